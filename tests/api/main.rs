//! Integration tests: the service as its users see it, over real HTTP, on
//! SQLite, PostgreSQL and MariaDB, each test on a database of its own.

mod helpers;

mod auth;
mod budget;
mod concurrency;
mod http;
mod lifecycle;
mod limits;
mod mutations;
mod reading;
mod schema;
