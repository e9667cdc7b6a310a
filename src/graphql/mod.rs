//! The GraphQL API: a thin translation from the schema to the store and
//! the domain rules.

pub mod call;
pub mod call_purpose;
pub mod connection;
pub mod filter;
pub mod id;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod prefetch;
pub mod query;
pub mod user;

use std::fmt::Display;

use async_graphql::{Context, EmptySubscription, Schema, SchemaBuilder};
use tokio::sync::OnceCell;

use crate::auth::Credentials;
use crate::config::LimitArgs;
use crate::domain::permissions::{Scope, Scopes};
use crate::error::{ApiError, InternalErrors};
use crate::graphql::loaders::Loaders;

/// The executable schema.
pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, EmptySubscription>;

/// Builds the schema with the operation limits; the caller adds data.
pub fn builder(
    limits: &LimitArgs,
) -> SchemaBuilder<query::QueryRoot, mutation::MutationRoot, EmptySubscription> {
    let builder = Schema::build(query::QueryRoot, mutation::MutationRoot, EmptySubscription)
        .enable_federation();
    let mut builder = limits::Limits::from(limits).install(builder);
    if limits.disable_introspection {
        builder = builder.disable_introspection();
    }
    if limits.disable_suggestions {
        builder = builder.disable_suggestions();
    }
    builder
}

/// The schema without a database, for printing its SDL.
pub fn schema_for_printing() -> AppSchema {
    builder(&LimitArgs::default()).finish()
}

/// The SDL `print-schema` prints and `schema.graphql` holds; with
/// `federation`, the subgraph SDL with its `@link` and `@key`s.
pub fn sdl(federation: bool) -> String {
    let schema = schema_for_printing();
    if federation {
        schema.sdl_with_options(async_graphql::SDLExportOptions::new().federation())
    } else {
        schema.sdl()
    }
}

/// The authenticated user of a request and what it may do.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    /// The user's database id.
    pub user_id: i32,
    /// The scopes of the token.
    pub scopes: Scopes,
}

/// What one request carries through its resolvers.
pub struct RequestState {
    credentials: Credentials,
    viewer: OnceCell<Result<Viewer, ApiError>>,
    /// The request's loaders.
    pub loaders: Loaders,
    /// Set once `_entities` has loaded all of its representations.
    pub entities_loaded: OnceCell<Result<(), ApiError>>,
    internal: InternalErrors,
}

impl RequestState {
    /// The state of a request with these credentials.
    pub fn new(credentials: Credentials, loaders: Loaders) -> RequestState {
        RequestState {
            credentials,
            viewer: OnceCell::new(),
            loaders,
            entities_loaded: OnceCell::new(),
            internal: InternalErrors::default(),
        }
    }

    /// Logs an internal failure once per request and hides it from the client.
    pub fn internal(&self, cause: impl Display) -> ApiError {
        self.internal.report(cause)
    }

    /// The viewer, checked once per request: the token must be valid and its
    /// user must exist.
    pub async fn viewer(&self) -> Result<Viewer, ApiError> {
        self.viewer
            .get_or_init(|| async {
                let (user_id, scopes) = match &self.credentials {
                    Credentials::Missing => {
                        return Err(ApiError::Unauthenticated(
                            "sign in: send `Authorization: Bearer <token>`".into(),
                        ));
                    }
                    Credentials::Invalid(reason) => {
                        return Err(ApiError::Unauthenticated((*reason).into()));
                    }
                    Credentials::Token { user_id, scopes } => (*user_id, *scopes),
                };
                match loaders::prime(&self.loaders.users, &[user_id]).await {
                    Ok(found) if found.contains_key(&user_id) => Ok(Viewer { user_id, scopes }),
                    Ok(_) => Err(ApiError::Unauthenticated(
                        "the token's user does not exist".into(),
                    )),
                    Err(error) => Err(self.internal(error)),
                }
            })
            .await
            .clone()
    }

    /// The viewer, who must hold `scope`.
    pub async fn require(&self, scope: Scope) -> Result<Viewer, ApiError> {
        let viewer = self.viewer().await?;
        if viewer.scopes.allows(scope) {
            Ok(viewer)
        } else {
            Err(ApiError::Forbidden {
                scope: scope.name(),
            })
        }
    }
}

/// The request state from a resolver's context.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a RequestState, ApiError> {
    ctx.data::<RequestState>().map_err(|_| {
        tracing::error!("a resolver ran without request state");
        ApiError::Internal
    })
}
