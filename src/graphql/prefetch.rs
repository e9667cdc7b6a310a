//! Eager loading by look-ahead: once a list is known, everything its
//! selection will ask for is loaded in one batch per relationship and left
//! in the request's loader caches, where the field resolvers find it.
//!
//! The loaders alone batch the keys that arrive together, and how many
//! arrive together depends on how the runtime happens to poll a thousand
//! sibling resolvers; with a wait for the batch to fill, every level of
//! nesting pays the wait. Prefetching makes the count of statements a
//! property of the query's shape, and costs no waiting.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Lookahead, Name, Value};
use entity::{call, call_purpose};

use crate::error::ApiError;
use crate::graphql::RequestState;
use crate::graphql::call_purpose::call_window;
use crate::graphql::connection::PageArgs;
use crate::graphql::loaders::prime;

/// Loads what the selection `node` (a `CallPurpose` selection set) needs
/// for these purposes: creators, pages of calls, and the users
/// and purposes of those calls.
pub async fn purposes(
    state: &RequestState,
    purposes: &[Arc<call_purpose::Model>],
    node: &Lookahead<'_>,
) -> Result<(), ApiError> {
    if purposes.is_empty() {
        return Ok(());
    }
    let ids: Vec<i32> = purposes.iter().map(|p| p.id).collect();
    let mut users: BTreeSet<i32> = BTreeSet::new();
    if node.field("creator").exists() {
        users.extend(purposes.iter().map(|p| p.creator_id));
    }

    let loaders = &state.loaders;
    let calls_selection = node.field("calls");
    if calls_selection.exists() {
        let mut calls = Vec::new();
        for field in calls_selection.selection_fields() {
            // A field with bad arguments reports them itself when resolved.
            let Ok(window) = page_args(field.arguments()).and_then(call_window) else {
                continue;
            };
            let keys: Vec<_> = ids.iter().map(|id| (*id, window.clone())).collect();
            let pages = prime(&loaders.call_pages, &keys)
                .await
                .map_err(|e| state.internal(e))?;
            calls.extend(pages.into_values().flat_map(|page| page.items));
        }
        let call_node = calls_selection.field("edges").field("node");
        if call_node.field("user").exists() {
            users.extend(calls.iter().map(|c| c.user_id));
        }
        if call_node.field("callPurpose").exists() {
            let purposes = calls.iter().filter_map(|c| c.call_purpose_id);
            prime_ids(state, &loaders.purposes, purposes).await?;
        }
    }

    // Creators and the calls' users together: one statement for both.
    prime_ids(state, &loaders.users, users).await
}

/// Loads what the selection `node` (a `Call` selection set) needs for these
/// calls: their users and purposes.
pub async fn calls(
    state: &RequestState,
    calls: &[Arc<call::Model>],
    node: &Lookahead<'_>,
) -> Result<(), ApiError> {
    let loaders = &state.loaders;
    if node.field("user").exists() {
        prime_ids(state, &loaders.users, calls.iter().map(|c| c.user_id)).await?;
    }
    if node.field("callPurpose").exists() {
        let purposes = calls.iter().filter_map(|c| c.call_purpose_id);
        prime_ids(state, &loaders.purposes, purposes).await?;
    }
    Ok(())
}

/// Primes `loader` with each distinct id once.
async fn prime_ids<L>(
    state: &RequestState,
    loader: &DataLoader<L, HashMapCache>,
    ids: impl IntoIterator<Item = i32>,
) -> Result<(), ApiError>
where
    L: Loader<i32>,
    L::Error: std::fmt::Display,
{
    let ids: BTreeSet<i32> = ids.into_iter().collect();
    let ids: Vec<i32> = ids.into_iter().collect();
    prime(loader, &ids).await.map_err(|e| state.internal(e))?;
    Ok(())
}

/// The Relay arguments of a selected connection field.
fn page_args(
    arguments: async_graphql::ServerResult<Vec<(Name, Value)>>,
) -> Result<PageArgs, ApiError> {
    let arguments = arguments.map_err(|e| ApiError::bad_input("arguments", e.message))?;
    let mut args = PageArgs::default();
    for (name, value) in arguments {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => {
                args.first = n.as_i64().and_then(|n| i32::try_from(n).ok())
            }
            ("last", Value::Number(n)) => {
                args.last = n.as_i64().and_then(|n| i32::try_from(n).ok())
            }
            ("after", Value::String(s)) => args.after = Some(s),
            ("before", Value::String(s)) => args.before = Some(s),
            _ => {}
        }
    }
    Ok(args)
}
