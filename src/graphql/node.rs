//! The `Node` interface and look-ups by global id, all through the loaders.

use std::collections::HashMap;

use async_graphql::{ID, Interface, Lookahead};

use crate::error::ApiError;
use crate::graphql::RequestState;
use crate::graphql::call::Call;
use crate::graphql::call_purpose::CallPurpose;
use crate::graphql::id::{NodeKind, decode};
use crate::graphql::prefetch;
use crate::graphql::user::User;

/// An object with a global id, which `node(id:)` fetches again.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id, unique across all types."
))]
pub enum Node {
    /// A call purpose.
    CallPurpose(CallPurpose),
    /// A user.
    User(User),
    /// A call.
    Call(Call),
}

/// Fetches one object per global id, in the order given; ids that name
/// nothing give `None`. Ids of each type are loaded in one batch, and with
/// `selection` (the selection on the objects) what it needs is prefetched.
pub async fn load(
    state: &RequestState,
    selection: Option<&Lookahead<'_>>,
    ids: &[ID],
    argument: &str,
) -> Result<Vec<Option<Node>>, ApiError> {
    let keys = ids
        .iter()
        .map(|id| decode(id, argument))
        .collect::<Result<Vec<_>, _>>()?;
    let of_kind = |kind: NodeKind| -> Vec<i32> {
        keys.iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect()
    };

    let loaders = &state.loaders;
    let (purposes, users, calls) = tokio::join!(
        loaders.purposes.load_many(of_kind(NodeKind::CallPurpose)),
        loaders.users.load_many(of_kind(NodeKind::User)),
        loaders.calls.load_many(of_kind(NodeKind::Call)),
    );
    let purposes: HashMap<_, _> = purposes.map_err(|error| state.internal(error))?;
    let users: HashMap<_, _> = users.map_err(|error| state.internal(error))?;
    let calls: HashMap<_, _> = calls.map_err(|error| state.internal(error))?;
    if let Some(selection) = selection {
        let found: Vec<_> = purposes.values().cloned().collect();
        prefetch::purposes(state, &found, selection).await?;
        let found: Vec<_> = calls.values().cloned().collect();
        prefetch::calls(state, &found, selection).await?;
    }

    // Cloned rather than removed: a client may ask for one id twice.
    Ok(keys
        .into_iter()
        .map(|(kind, id)| match kind {
            NodeKind::CallPurpose => purposes
                .get(&id)
                .cloned()
                .map(|m| Node::CallPurpose(CallPurpose(m))),
            NodeKind::User => users.get(&id).cloned().map(|m| Node::User(User(m))),
            NodeKind::Call => calls.get(&id).cloned().map(|m| Node::Call(Call(m))),
        })
        .collect())
}
