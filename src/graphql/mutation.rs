//! The mutation root: create, update, delete and reorder call purposes.
//!
//! Rule breaks come back as `userErrors` in the payload, never as top-level
//! errors; only a missing token or scope, or an internal failure, is one.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::db::{Db, now};
use crate::domain::name::{self, NameError};
use crate::domain::permissions::Scope;
use crate::error::ApiError;
use crate::graphql::call_purpose::CallPurpose;
use crate::graphql::id::{NodeKind, decode_as, encode};
use crate::graphql::{RequestState, state};
use crate::store::writes::{self, Changes, WriteError};

/// Most ids one reorder may list.
const MAX_REORDER: usize = 10_000;

/// What kind of rule an input broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// The name is empty or only white space.
    Blank,
    /// The name (or a list) is longer than allowed.
    TooLong,
    /// The name holds control characters such as tabs, line breaks or NUL.
    InvalidCharacters,
    /// The order is outside the range the mutation allows.
    OutOfRange,
    /// No call purpose has this id.
    NotFound,
    /// The id is not a call purpose's global id.
    InvalidId,
    /// The purpose changed since `expectedUpdatedAt`; read it again.
    Conflict,
    /// The ids are not the whole collection, each exactly once.
    NotAPermutation,
}

/// A rule the input broke; nothing was changed.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "name"]`.
    pub field: Option<Vec<String>>,
    /// What is wrong, in a sentence to show the user.
    pub message: String,
    /// The rule, for programs.
    pub code: UserErrorCode,
}

impl UserError {
    fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> UserError {
        UserError {
            field: Some(
                std::iter::once("input")
                    .chain(field.iter().copied())
                    .map(str::to_owned)
                    .collect(),
            ),
            message: message.into(),
            code,
        }
    }

    fn from_name(error: NameError) -> UserError {
        let code = match error {
            NameError::Blank => UserErrorCode::Blank,
            NameError::TooLong(_) => UserErrorCode::TooLong,
            NameError::InvalidCharacters => UserErrorCode::InvalidCharacters,
        };
        UserError::new(&["name"], code, error.message())
    }

    fn invalid_id(field: &[&str], id: &ID) -> UserError {
        UserError::new(
            field,
            UserErrorCode::InvalidId,
            format!("`{}` is not a call purpose's id.", id.0),
        )
    }

    fn not_found(id: &ID) -> UserError {
        UserError::new(
            &["id"],
            UserErrorCode::NotFound,
            format!("No call purpose has the id `{}`.", id.0),
        )
    }
}

/// Input of `createCallPurpose`.
#[derive(Debug, Clone, InputObject)]
pub struct CreateCallPurposeInput {
    /// The label: trimmed, then 1 to 255 characters without control characters.
    pub name: String,
    /// Where to put it, 1 to n+1; the purposes from there on move down one.
    /// Appended at the end when omitted.
    pub order: Option<i32>,
    /// Any string; echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createCallPurpose`.
#[derive(SimpleObject)]
pub struct CreateCallPurposePayload {
    /// The new purpose; null when `userErrors` is not empty.
    pub call_purpose: Option<CallPurpose>,
    /// Rules the input broke; empty on success.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

/// Input of `updateCallPurpose`.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateCallPurposeInput {
    /// The purpose's global id.
    pub id: ID,
    /// A new label, under the same rule as at creation; unchanged when omitted.
    pub name: Option<String>,
    /// A new position, 1 to n; the purposes in between shift by one.
    pub order: Option<i32>,
    /// The `updatedAt` you read: if the purpose changed since, nothing is
    /// changed and a `CONFLICT` user error says so.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Any string; echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateCallPurpose`.
#[derive(SimpleObject)]
pub struct UpdateCallPurposePayload {
    /// The purpose after the update; null when `userErrors` is not empty.
    pub call_purpose: Option<CallPurpose>,
    /// Rules the input broke; empty on success.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

/// Input of `deleteCallPurpose`.
#[derive(Debug, Clone, InputObject)]
pub struct DeleteCallPurposeInput {
    /// The purpose's global id.
    pub id: ID,
    /// Any string; echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `deleteCallPurpose`.
#[derive(SimpleObject)]
pub struct DeleteCallPurposePayload {
    /// The global id of the deleted purpose; null when `userErrors` is not empty.
    pub deleted_call_purpose_id: Option<ID>,
    /// Rules the input broke; empty on success.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

/// Input of `reorderCallPurposes`.
#[derive(Debug, Clone, InputObject)]
pub struct ReorderCallPurposesInput {
    /// Every purpose's global id, each exactly once, in the new display order.
    pub ids: Vec<ID>,
    /// Any string; echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `reorderCallPurposes`.
#[derive(SimpleObject)]
pub struct ReorderCallPurposesPayload {
    /// The whole collection in its new order; null when `userErrors` is not empty.
    pub call_purposes: Option<Vec<CallPurpose>>,
    /// Rules the input broke; empty on success.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

/// The user errors of a failed write, or the internal error it hides.
fn write_errors(
    state: &RequestState,
    error: WriteError,
    id: Option<&ID>,
) -> Result<Vec<UserError>, ApiError> {
    Ok(vec![match error {
        WriteError::NotFound => match id {
            Some(id) => UserError::not_found(id),
            None => UserError::new(
                &[],
                UserErrorCode::NotFound,
                "The call purpose no longer exists.",
            ),
        },
        WriteError::Conflict { current } => UserError::new(
            &["expectedUpdatedAt"],
            UserErrorCode::Conflict,
            format!(
                "The call purpose changed since you read it (its updatedAt is now {}); \
                 read it again and retry.",
                current.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ),
        ),
        WriteError::OutOfRange(range) => {
            UserError::new(&["order"], UserErrorCode::OutOfRange, range.message())
        }
        WriteError::NotAPermutation(problem) => UserError::new(
            &["ids"],
            UserErrorCode::NotAPermutation,
            problem.message(|id| format!("`{}`", encode(NodeKind::CallPurpose, id).0)),
        ),
        WriteError::Database(error) => return Err(state.internal(error)),
    }])
}

/// An order below 1 is refused before anything is read.
fn check_low_order(order: Option<i32>) -> Option<UserError> {
    order.filter(|order| *order < 1).map(|order| {
        UserError::new(
            &["order"],
            UserErrorCode::OutOfRange,
            format!("Order must be 1 or more, got {order}."),
        )
    })
}

/// The mutation root type.
pub struct MutationRoot;

/// Entry points for writing. Creating, updating and reordering need the
/// `callPurposes.write` scope, deleting `callPurposes.delete` (or
/// `callPurposes.all` for both).
#[Object(name = "Mutation")]
impl MutationRoot {
    /// Adds a purpose to the collection, created by the viewer.
    async fn create_call_purpose(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new purpose.")] input: CreateCallPurposeInput,
    ) -> Result<CreateCallPurposePayload> {
        let state = state(ctx)?;
        let viewer = state.require(Scope::Write).await?;

        let mut user_errors: Vec<UserError> = check_low_order(input.order).into_iter().collect();
        let name = name::normalize(&input.name).map_err(UserError::from_name);
        let created = match (name, user_errors.is_empty()) {
            (Ok(name), true) => {
                let db = ctx.data::<Db>()?;
                match writes::create(&db.conn, name, input.order, viewer.user_id, now()).await {
                    Ok(created) => Some(CallPurpose(Arc::new(created))),
                    Err(error) => {
                        user_errors = write_errors(state, error, None)?;
                        None
                    }
                }
            }
            (name, _) => {
                user_errors.extend(name.err());
                None
            }
        };
        Ok(CreateCallPurposePayload {
            call_purpose: created,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Renames and/or moves a purpose. Giving the values it already has
    /// changes nothing, `updatedAt` included.
    async fn update_call_purpose(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The purpose and what to change.")] input: UpdateCallPurposeInput,
    ) -> Result<UpdateCallPurposePayload> {
        let state = state(ctx)?;
        state.require(Scope::Write).await?;

        let mut user_errors: Vec<UserError> = check_low_order(input.order).into_iter().collect();
        let id = decode_as(NodeKind::CallPurpose, &input.id, "id");
        if id.is_err() {
            user_errors.push(UserError::invalid_id(&["id"], &input.id));
        }
        let name = input.name.as_deref().map(name::normalize).transpose();
        let name = name.unwrap_or_else(|error| {
            user_errors.push(UserError::from_name(error));
            None
        });

        let mut updated = None;
        if let (Ok(id), true) = (id, user_errors.is_empty()) {
            let changes = Changes {
                name,
                order: input.order,
                expected_updated_at: input.expected_updated_at,
            };
            let db = ctx.data::<Db>()?;
            match writes::update(&db.conn, id, changes, now()).await {
                Ok(purpose) => updated = Some(CallPurpose(Arc::new(purpose))),
                Err(error) => user_errors = write_errors(state, error, Some(&input.id))?,
            }
        }
        Ok(UpdateCallPurposePayload {
            call_purpose: updated,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a purpose and closes the gap in the order. Its calls are
    /// kept, with no purpose.
    async fn delete_call_purpose(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The purpose to delete.")] input: DeleteCallPurposeInput,
    ) -> Result<DeleteCallPurposePayload> {
        let state = state(ctx)?;
        state.require(Scope::Delete).await?;

        let (deleted, user_errors) = match decode_as(NodeKind::CallPurpose, &input.id, "id") {
            Err(_) => (None, vec![UserError::invalid_id(&["id"], &input.id)]),
            Ok(id) => {
                let db = ctx.data::<Db>()?;
                match writes::delete(&db.conn, id, now()).await {
                    Ok(()) => (Some(input.id.clone()), Vec::new()),
                    Err(error) => (None, write_errors(state, error, Some(&input.id))?),
                }
            }
        };
        Ok(DeleteCallPurposePayload {
            deleted_call_purpose_id: deleted,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Puts the whole collection in a new order at once: `ids` must list
    /// every purpose exactly once.
    async fn reorder_call_purposes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The collection in its new order.")] input: ReorderCallPurposesInput,
    ) -> Result<ReorderCallPurposesPayload> {
        let state = state(ctx)?;
        state.require(Scope::Write).await?;

        let mut user_errors = Vec::new();
        if input.ids.len() > MAX_REORDER {
            user_errors.push(UserError::new(
                &["ids"],
                UserErrorCode::TooLong,
                format!("At most {MAX_REORDER} ids, got {}.", input.ids.len()),
            ));
        }
        let mut ids = Vec::with_capacity(input.ids.len());
        for (index, id) in input.ids.iter().enumerate() {
            match decode_as(NodeKind::CallPurpose, id, "ids") {
                Ok(id) => ids.push(id),
                Err(_) => user_errors.push(UserError::invalid_id(&["ids", &index.to_string()], id)),
            }
        }

        let mut reordered = None;
        if user_errors.is_empty() {
            let db = ctx.data::<Db>()?;
            match writes::reorder(&db.conn, &ids, now()).await {
                Ok(rows) => {
                    reordered = Some(
                        rows.into_iter()
                            .map(|row| CallPurpose(Arc::new(row)))
                            .collect(),
                    )
                }
                Err(error) => user_errors = write_errors(state, error, None)?,
            }
        }
        Ok(ReorderCallPurposesPayload {
            call_purposes: reordered,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
