//! Opaque global ids (Relay Global Object Identification).
//!
//! An id is the type name and the database id, `CallPurpose:42`, in URL-safe
//! base64. Clients must treat it as opaque; the encoding only has to be
//! stable.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The types that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A call purpose.
    CallPurpose,
    /// A user.
    User,
    /// A call.
    Call,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::CallPurpose => "CallPurpose",
            NodeKind::User => "User",
            NodeKind::Call => "Call",
        }
    }

    fn from_name(name: &str) -> Option<NodeKind> {
        [NodeKind::CallPurpose, NodeKind::User, NodeKind::Call]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// The global id of a row.
pub fn encode(kind: NodeKind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and database id inside a global id; `argument` names the
/// argument in the error for an id this service never made.
pub fn decode(id: &str, argument: &str) -> Result<(NodeKind, i32), ApiError> {
    let invalid = || ApiError::bad_input(argument, format!("`{id}` is not a valid global id"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, number) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::from_name(name).ok_or_else(invalid)?;
    let number = number.parse().map_err(|_| invalid())?;
    Ok((kind, number))
}

/// The database id inside a global id that must be of `kind`.
pub fn decode_as(kind: NodeKind, id: &str, argument: &str) -> Result<i32, ApiError> {
    match decode(id, argument)? {
        (found, number) if found == kind => Ok(number),
        (found, _) => Err(ApiError::bad_input(
            argument,
            format!(
                "`{id}` is the id of a {}, not of a {}",
                found.name(),
                kind.name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_for_every_kind() {
        for kind in [NodeKind::CallPurpose, NodeKind::User, NodeKind::Call] {
            for number in [1, 42, i32::MAX] {
                let id = encode(kind, number);
                assert_eq!(decode(&id, "id"), Ok((kind, number)), "{kind:?} {number}");
            }
        }
    }

    #[test]
    fn foreign_and_malformed_ids_are_refused_with_the_argument_named() {
        let other = URL_SAFE_NO_PAD.encode("Invoice:3");
        let no_number = URL_SAFE_NO_PAD.encode("User:x");
        for id in ["", "!!!", "42", other.as_str(), no_number.as_str()] {
            match decode(id, "ids") {
                Err(ApiError::BadUserInput { argument, .. }) => assert_eq!(argument, "ids"),
                other => panic!("{id:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn an_id_of_another_type_is_refused() {
        let user = encode(NodeKind::User, 1);
        assert!(decode_as(NodeKind::CallPurpose, &user, "id").is_err());
    }
}
