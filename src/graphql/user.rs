//! The `User` type.

use std::sync::Arc;

use async_graphql::{ID, Object};
use entity::user;

use crate::graphql::id::{NodeKind, encode};

/// The GraphQL `User`.
pub struct User(pub Arc<user::Model>);

/// A person using the sales tool: creates call purposes and logs calls.
#[Object]
impl User {
    /// Opaque global id; pass it to `node(id:)`.
    pub async fn id(&self) -> ID {
        encode(NodeKind::User, self.0.id)
    }

    /// The integer id the upstream REST API uses.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    /// Full name for display: first and last name joined by a space.
    async fn name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
            .trim()
            .to_owned()
    }

    /// E-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }
}
