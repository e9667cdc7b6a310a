//! The rules of the domain, free of GraphQL and SQL: who may do what, what
//! a valid name is, how orders move.

pub mod name;
pub mod ordering;
pub mod permissions;
