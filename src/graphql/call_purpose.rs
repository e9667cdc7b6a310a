//! The `CallPurpose` type and its connections.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::call_purpose;

use crate::domain::permissions::Scope;
use crate::error::ApiError;
use crate::graphql::call::Call;
use crate::graphql::connection::{Edge, KeyType, PageArgs, PageInfo, encode_cursor, page_info};
use crate::graphql::id::{NodeKind, encode};
use crate::graphql::state;
use crate::graphql::user::User;
use crate::store::calls::CallWindow;
use crate::store::page::{KeyValue, Page};
use crate::store::purposes::{self, Filter};

/// The GraphQL `CallPurpose`.
pub struct CallPurpose(pub Arc<call_purpose::Model>);

/// The cursor signature of every purpose's calls: newest first, by id.
const CALLS: &str = "calls:i-";

/// The window over a purpose's calls that the Relay arguments ask for.
pub fn call_window(args: PageArgs) -> Result<CallWindow, ApiError> {
    let window = args.window(CALLS, &[KeyType::Int])?;
    let call_id = |key: Option<Vec<KeyValue>>| match key.as_deref() {
        Some([KeyValue::Int(id)]) => Some(*id),
        _ => None,
    };
    Ok(CallWindow {
        limit: window.limit,
        from_end: window.from_end,
        after: call_id(window.after),
        before: call_id(window.before),
    })
}

/// The complexity of a connection field: its selection once per item.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    PageArgs::size_hint(first, last)
        .max(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// A label sales teams use to categorise their call logs, such as
/// "Initial Contact" or "Follow Up". The collection is kept in a display
/// order: n purposes always hold the orders 1..n.
#[Object]
impl CallPurpose {
    /// Opaque global id; pass it to `node(id:)` or `callPurpose(id:)`.
    pub async fn id(&self) -> ID {
        encode(NodeKind::CallPurpose, self.0.id)
    }

    /// The integer id the upstream REST API uses.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// The label, 1 to 255 characters, without leading or trailing spaces.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Display position in the collection: 1 is shown first.
    async fn order(&self) -> i32 {
        self.0.display_order
    }

    /// When the purpose was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the purpose last changed (UTC); pass it back as
    /// `expectedUpdatedAt` to update only if nobody changed it since.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The user who created the purpose.
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let state = state(ctx)?;
        let user = state
            .loaders
            .users
            .load_one(self.0.creator_id)
            .await
            .map_err(|error| state.internal(error))?;
        Ok(user.map(User))
    }

    /// The calls logged with this purpose, newest first. Page with
    /// `first`/`after` (default 50, at most 1000) or `last`/`before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many calls from the start (0 to 1000).")]
        first: Option<i32>,
        #[graphql(desc = "Return calls after this cursor (an edge's `cursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "Return at most this many calls from the end (0 to 1000).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return calls before this cursor (an edge's `cursor`).")] before: Option<
            String,
        >,
    ) -> Result<CallConnection> {
        let window = call_window(PageArgs {
            first,
            after,
            last,
            before,
        })?;

        let state = state(ctx)?;
        let page = state
            .loaders
            .call_pages
            .load_one((self.0.id, window))
            .await
            .map_err(|error| state.internal(error))?
            .unwrap_or(Page {
                items: Vec::new(),
                has_previous: false,
                has_next: false,
            });
        Ok(CallConnection::new(self.0.calls_count, page))
    }

    /// Whether the viewer may rename, move or reorder this purpose (the
    /// `callPurposes.write` scope).
    async fn can_write(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(state(ctx)?.viewer().await?.scopes.allows(Scope::Write))
    }

    /// Whether the viewer may delete this purpose (the
    /// `callPurposes.delete` scope).
    async fn can_delete(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(state(ctx)?.viewer().await?.scopes.allows(Scope::Delete))
    }
}

/// A page of call purposes.
pub struct CallPurposeConnection {
    edges: Vec<Edge<CallPurpose>>,
    page_info: PageInfo,
    filter: Filter,
}

impl CallPurposeConnection {
    /// The connection of a page read under `signature`'s order.
    pub fn new(
        page: Page<Arc<call_purpose::Model>>,
        sort: &purposes::Sort,
        filter: Filter,
    ) -> CallPurposeConnection {
        let signature = sort.signature();
        let edges: Vec<_> = page
            .items
            .into_iter()
            .map(|model| Edge {
                cursor: encode_cursor(&signature, &sort.key_of(&model)),
                node: CallPurpose(model),
            })
            .collect();
        CallPurposeConnection {
            page_info: page_info(&edges, page.has_previous, page.has_next),
            edges,
            filter,
        }
    }
}

/// A page of call purposes, with the cursors to read the pages around it.
#[Object]
impl CallPurposeConnection {
    /// The purposes of this page with their cursors.
    async fn edges(&self) -> &[Edge<CallPurpose>] {
        &self.edges
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many purposes match the filter, on all pages together. Counted
    /// only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let state = state(ctx)?;
        let db = ctx.data::<crate::db::Db>()?;
        let count = purposes::count(&db.conn, &self.filter)
            .await
            .map_err(|error| state.internal(error))?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// A page of calls.
pub struct CallConnection {
    total_count: i32,
    edges: Vec<Edge<Call>>,
    page_info: PageInfo,
}

impl CallConnection {
    fn new(total_count: i32, page: Page<Arc<entity::call::Model>>) -> CallConnection {
        let edges: Vec<_> = page
            .items
            .into_iter()
            .map(|model| Edge {
                cursor: encode_cursor(CALLS, &[KeyValue::Int(model.id)]),
                node: Call(model),
            })
            .collect();
        CallConnection {
            total_count,
            page_info: page_info(&edges, page.has_previous, page.has_next),
            edges,
        }
    }
}

/// A page of calls, with the cursors to read the pages around it.
#[Object]
impl CallConnection {
    /// The calls of this page with their cursors.
    async fn edges(&self) -> &[Edge<Call>] {
        &self.edges
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many calls the purpose has, on all pages together.
    async fn total_count(&self) -> i32 {
        self.total_count
    }
}
