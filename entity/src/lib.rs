//! SeaORM entities of the call purpose gateway.
//!
//! They mirror the tables one to one and stay inside the data layer: the
//! GraphQL API has types of its own, so no column reaches clients by accident.

pub mod call;
pub mod call_purpose;
pub mod user;

pub use call::Entity as Call;
pub use call_purpose::Entity as CallPurpose;
pub use user::Entity as User;
