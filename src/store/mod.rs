//! The data layer: every SQL statement the service runs is built here, with
//! values bound as parameters. Nothing here knows about GraphQL.

pub mod calls;
pub mod page;
pub mod purposes;
pub mod users;
pub mod writes;
