//! The `Call` type.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::call;

use crate::graphql::call_purpose::CallPurpose;
use crate::graphql::id::{NodeKind, encode};
use crate::graphql::state;
use crate::graphql::user::User;

/// The GraphQL `Call`.
pub struct Call(pub Arc<call::Model>);

/// Which side started the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CallDirection {
    /// The other party called the user.
    Inbound,
    /// The user called the other party.
    Outbound,
}

/// A phone call logged by a user, optionally labelled with a purpose.
#[Object]
impl Call {
    /// Opaque global id; pass it to `node(id:)`.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Call, self.0.id)
    }

    /// The integer id the upstream REST API uses.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Whether the call came in or went out.
    async fn direction(&self) -> CallDirection {
        match self.0.direction {
            call::Direction::Inbound => CallDirection::Inbound,
            call::Direction::Outbound => CallDirection::Outbound,
        }
    }

    /// How the call ended, in words, e.g. "Answered" or "No Answer".
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }

    /// The user's note about the call.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When dialling started (UTC).
    async fn dialed_at(&self) -> Option<DateTime<Utc>> {
        self.0.dialed_at
    }

    /// When the other side picked up (UTC); null if nobody answered.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }

    /// When the call ended (UTC).
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// When the call was logged (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the call log last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The user who made or took the call.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let state = state(ctx)?;
        let user = state
            .loaders
            .users
            .load_one(self.0.user_id)
            .await
            .map_err(|error| state.internal(error))?;
        Ok(user.map(User))
    }

    /// The purpose the call was logged with; null when it has none (or its
    /// purpose was deleted).
    async fn call_purpose(&self, ctx: &Context<'_>) -> Result<Option<CallPurpose>> {
        let Some(purpose_id) = self.0.call_purpose_id else {
            return Ok(None);
        };
        let state = state(ctx)?;
        let purpose = state
            .loaders
            .purposes
            .load_one(purpose_id)
            .await
            .map_err(|error| state.internal(error))?;
        Ok(purpose.map(CallPurpose))
    }
}
