//! The query root.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};

use crate::db::Db;
use crate::domain::permissions::Scope;
use crate::error::ApiError;
use crate::graphql::call::Call;
use crate::graphql::call_purpose::{CallPurpose, CallPurposeConnection, connection_cost};
use crate::graphql::connection::{KeyType, PageArgs};
use crate::graphql::filter::{CallPurposeFilter, CallPurposeOrder, sort};
use crate::graphql::id::{NodeKind, decode_as};
use crate::graphql::node::{self, Node};
use crate::graphql::prefetch;
use crate::graphql::state;
use crate::graphql::user::User;
use crate::store::purposes::{self, SortField};

/// Most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = 1000;

/// The query root type.
pub struct QueryRoot;

/// Entry points for reading. Every field needs a bearer token; reading call
/// purposes needs the `callPurposes.read` scope (or `callPurposes.all`).
#[Object(name = "Query")]
impl QueryRoot {
    /// One call purpose by its global id; null, with a `NOT_FOUND` error,
    /// when no purpose has that id.
    async fn call_purpose(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The purpose's global `id`.")] id: ID,
    ) -> Result<Option<CallPurpose>> {
        let state = state(ctx)?;
        state.require(Scope::Read).await?;

        let database_id = decode_as(NodeKind::CallPurpose, &id, "id")?;
        let purpose = state
            .loaders
            .purposes
            .load_one(database_id)
            .await
            .map_err(|error| state.internal(error))?;
        match purpose {
            Some(purpose) => {
                prefetch::purposes(state, std::slice::from_ref(&purpose), &ctx.look_ahead())
                    .await?;
                Ok(Some(CallPurpose(purpose)))
            }
            None => {
                Err(ApiError::NotFound(format!("no call purpose has the id `{}`", id.0)).into())
            }
        }
    }

    /// The collection of call purposes, in display order unless `orderBy`
    /// says otherwise. Page forward with `first`/`after` or backward with
    /// `last`/`before`; pages hold 50 purposes unless asked, at most 1000.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn call_purposes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many purposes from the start (0 to 1000).")]
        first: Option<i32>,
        #[graphql(desc = "Return purposes after this cursor (an edge's `cursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "Return at most this many purposes from the end (0 to 1000).")]
        last: Option<i32>,
        #[graphql(desc = "Return purposes before this cursor (an edge's `cursor`).")]
        before: Option<String>,
        #[graphql(desc = "Only purposes matching every condition given.")] filter: Option<
            CallPurposeFilter,
        >,
        #[graphql(
            desc = "Sort terms, most important first; ties always fall to the id. \
                    Default: by `ORDER`, ascending."
        )]
        order_by: Option<Vec<CallPurposeOrder>>,
    ) -> Result<CallPurposeConnection> {
        let state = state(ctx)?;
        state.require(Scope::Read).await?;

        let filter = filter.unwrap_or_default().into_store()?;
        let sort = sort(order_by.as_deref().unwrap_or_default());
        let types: Vec<KeyType> = sort
            .terms()
            .iter()
            .map(|(field, _)| match field {
                SortField::Name => KeyType::Text,
                SortField::CreatedAt | SortField::UpdatedAt => KeyType::Time,
                SortField::Order | SortField::Id => KeyType::Int,
            })
            .collect();
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let window = args.window(&sort.signature(), &types)?;

        let db = ctx.data::<Db>()?;
        let page = purposes::list(&db.conn, &filter, &sort, &window)
            .await
            .map_err(|error| state.internal(error))?;
        let page = page.map(Arc::new);
        let node = ctx.look_ahead().field("edges").field("node");
        prefetch::purposes(state, &page.items, &node).await?;
        Ok(CallPurposeConnection::new(page, &sort, filter))
    }

    /// Any object by its global id; null when nothing has that id.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global `id` of any type.")] id: ID,
    ) -> Result<Option<Node>> {
        let state = state(ctx)?;
        state.require(Scope::Read).await?;
        let selection = ctx.look_ahead();
        Ok(node::load(state, Some(&selection), &[id], "id")
            .await?
            .pop()
            .flatten())
    }

    /// Objects by their global ids, in the order given (at most 1000); null
    /// where nothing has the id.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids of any types, at most 1000.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let state = state(ctx)?;
        state.require(Scope::Read).await?;
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input(
                "ids",
                format!("at most {MAX_NODES} ids, got {}", ids.len()),
            )
            .into());
        }
        Ok(node::load(state, Some(&ctx.look_ahead()), &ids, "ids").await?)
    }

    /// The user the bearer token belongs to. Needs a valid token, whatever
    /// its scopes.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<User> {
        let state = state(ctx)?;
        let viewer = state.viewer().await?;
        let user = state
            .loaders
            .users
            .load_one(viewer.user_id)
            .await
            .map_err(|error| state.internal(error))?;
        user.map(User).ok_or_else(|| {
            ApiError::Unauthenticated("the token's user does not exist".into()).into()
        })
    }

    /// Federation: resolves a `CallPurpose` reference by its `id`.
    #[graphql(entity)]
    async fn find_call_purpose_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CallPurpose>> {
        Ok(entity(ctx, id).await?.and_then(|node| match node {
            Node::CallPurpose(purpose) => Some(purpose),
            _ => None,
        }))
    }

    /// Federation: resolves a `User` reference by its `id`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        Ok(entity(ctx, id).await?.and_then(|node| match node {
            Node::User(user) => Some(user),
            _ => None,
        }))
    }

    /// Federation: resolves a `Call` reference by its `id`.
    #[graphql(entity)]
    async fn find_call_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Call>> {
        Ok(entity(ctx, id).await?.and_then(|node| match node {
            Node::Call(call) => Some(call),
            _ => None,
        }))
    }
}

/// One entity reference, through the same loaders as `nodes`. The first
/// reference resolved loads every representation of the request (and what
/// their selection needs) in one batch per type; the rest find it cached.
async fn entity(ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
    let state = state(ctx)?;
    state.require(Scope::Read).await?;

    state
        .entities_loaded
        .get_or_init(|| async {
            let representations: Vec<async_graphql::Any> = ctx
                .param_value("representations", None)
                .map(|(_, value)| value)
                .unwrap_or_default();
            let ids: Vec<ID> = representations
                .iter()
                .filter_map(|any| match &any.0 {
                    async_graphql::Value::Object(fields) => match fields.get("id") {
                        Some(async_graphql::Value::String(id)) => Some(ID(id.clone())),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            node::load(state, Some(&ctx.look_ahead()), &ids, "representations")
                .await
                .map(|_| ())
        })
        .await
        .clone()?;

    let found = node::load(state, None, &[id], "representations").await?;
    Ok(found.into_iter().next().flatten())
}
