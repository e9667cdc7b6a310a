//! GraphQL gateway for call purposes: the labels sales teams use to
//! categorise their call logs.
//!
//! - [`config`]: command line and environment, one typed struct.
//! - [`telemetry`]: tracing setup, pretty or JSON.
//! - [`db`]: connections to SQLite, PostgreSQL or MySQL, and migrations.
//! - [`store`]: every SQL statement, with bound values; knows no GraphQL.
//! - [`domain`]: the rules: scopes and permissions, names, ordering.
//! - [`auth`]: bearer tokens (JWT) in and out.
//! - [`graphql`]: the schema, a thin layer over the store and the domain.
//! - [`http`]: routes, GraphQL over HTTP, health, readiness and metrics.
//! - [`app`]: start-up, serving and graceful shutdown.
//! - [`seed`]: demo data and benchmark-sized data.
//! - [`error`]: the errors clients see, with stable codes.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod store;
pub mod telemetry;
