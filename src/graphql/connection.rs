//! Relay cursor connections: argument checks, opaque cursors and the
//! connection, edge and page-info types every list shares.

use async_graphql::{OutputType, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::store::page::{KeyValue, Window};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: u64 = 50;
/// The largest page a client may ask for.
pub const MAX_PAGE: u64 = 1000;

/// The four Relay arguments as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// `first`.
    pub first: Option<i32>,
    /// `after`.
    pub after: Option<String>,
    /// `last`.
    pub last: Option<i32>,
    /// `before`.
    pub before: Option<String>,
}

/// The type of each position of a cursor's key, so that it can be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// An integer.
    Int,
    /// A text.
    Text,
    /// A timestamp.
    Time,
}

impl PageArgs {
    /// Checks the sizes and reads the cursors. `signature` names the list
    /// and its sort order; a cursor made for another is refused.
    pub fn window(
        &self,
        signature: &str,
        types: &[KeyType],
    ) -> Result<Window<Vec<KeyValue>>, ApiError> {
        let first = page_size("first", self.first)?;
        let last = page_size("last", self.last)?;
        if first.is_some() && last.is_some() {
            return Err(ApiError::bad_input(
                "last",
                "give `first` or `last`, not both: a page is read from one end",
            ));
        }

        let read = |argument: &str, cursor: &Option<String>| {
            cursor
                .as_deref()
                .map(|text| decode_cursor(text, signature, types, argument))
                .transpose()
        };
        Ok(Window {
            limit: first.or(last).unwrap_or(DEFAULT_PAGE),
            from_end: last.is_some(),
            after: read("after", &self.after)?,
            before: read("before", &self.before)?,
        })
    }

    /// How many items this page can hold at most, for complexity limits.
    pub fn size_hint(first: Option<i32>, last: Option<i32>) -> usize {
        let asked = first
            .or(last)
            .map_or(DEFAULT_PAGE, |n| u64::try_from(n).unwrap_or(0));
        usize::try_from(asked.min(MAX_PAGE)).unwrap_or(0)
    }
}

fn page_size(argument: &str, value: Option<i32>) -> Result<Option<u64>, ApiError> {
    match value {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(Some(n as u64)),
        Some(n) => Err(ApiError::bad_input(
            argument,
            format!("must be between 0 and {MAX_PAGE}, got {n}"),
        )),
    }
}

/// The opaque cursor of a row: the list's signature and the row's sort key.
pub fn encode_cursor(signature: &str, key: &[KeyValue]) -> String {
    let values: Vec<Value> = key
        .iter()
        .map(|value| match value {
            KeyValue::Int(v) => Value::from(*v),
            KeyValue::Text(v) => Value::from(v.as_str()),
            KeyValue::Time(v) => {
                Value::from(v.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
        })
        .collect();
    let payload = Value::Array(vec![Value::from(signature), Value::Array(values)]);
    URL_SAFE_NO_PAD.encode(payload.to_string())
}

fn decode_cursor(
    text: &str,
    signature: &str,
    types: &[KeyType],
    argument: &str,
) -> Result<Vec<KeyValue>, ApiError> {
    let invalid = || {
        ApiError::bad_input(
            argument,
            "not a cursor of this list; use a cursor this list returned",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let payload: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let [Value::String(found), Value::Array(values)] =
        payload.as_array().map(Vec::as_slice).unwrap_or_default()
    else {
        return Err(invalid());
    };
    if found != signature {
        return Err(ApiError::bad_input(
            argument,
            "this cursor belongs to another list or another orderBy; \
             start again without it",
        ));
    }
    if values.len() != types.len() {
        return Err(invalid());
    }
    types
        .iter()
        .zip(values)
        .map(|(kind, value)| match (kind, value) {
            (KeyType::Int, Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(KeyValue::Int),
            (KeyType::Text, Value::String(s)) => Some(KeyValue::Text(s.clone())),
            (KeyType::Time, Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| KeyValue::Time(t.with_timezone(&Utc))),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(invalid)
}

/// Information to aid in pagination.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// True when items exist before this page: ask again with `last` and
    /// `before: startCursor` to read them.
    pub has_previous_page: bool,
    /// True when items exist after this page: ask again with `first` and
    /// `after: endCursor` to read them.
    pub has_next_page: bool,
    /// The cursor of the first item of this page; null when it is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of this page; null when it is empty.
    pub end_cursor: Option<String>,
}

/// One item of a page and the cursor that marks its place.
#[derive(SimpleObject)]
#[graphql(concrete(name = "CallPurposeEdge", params(super::call_purpose::CallPurpose)))]
#[graphql(concrete(name = "CallEdge", params(super::call::Call)))]
pub struct Edge<N: OutputType> {
    /// Opaque position of this item; pass it as `after` or `before`.
    pub cursor: String,
    /// The item.
    pub node: N,
}

/// Builds the page info of a list of edges.
pub fn page_info<N: OutputType>(
    edges: &[Edge<N>],
    has_previous_page: bool,
    has_next_page: bool,
) -> PageInfo {
    PageInfo {
        has_previous_page,
        has_next_page,
        start_cursor: edges.first().map(|edge| edge.cursor.clone()),
        end_cursor: edges.last().map(|edge| edge.cursor.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [KeyType; 3] = [KeyType::Text, KeyType::Time, KeyType::Int];

    fn key() -> Vec<KeyValue> {
        let time = DateTime::parse_from_rfc3339("2026-12-03T10:00:00.123456Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        vec![
            KeyValue::Text("Follow Up ☎".into()),
            KeyValue::Time(time),
            KeyValue::Int(7),
        ]
    }

    fn args(after: &str) -> PageArgs {
        PageArgs {
            after: Some(after.to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn cursors_round_trip_their_key() {
        let cursor = encode_cursor("n+c+i+", &key());

        let window = args(&cursor).window("n+c+i+", &TYPES);

        assert_eq!(window.map(|w| w.after), Ok(Some(key())));
    }

    #[test]
    fn a_cursor_of_another_order_is_refused() {
        let cursor = encode_cursor("n+c+i+", &key());

        let error = args(&cursor).window("n-c+i+", &TYPES).err();

        assert!(
            matches!(error, Some(ApiError::BadUserInput { argument, .. }) if argument == "after")
        );
    }

    #[test]
    fn malformed_cursors_are_refused_not_crashed_on() {
        let wrong_types = URL_SAFE_NO_PAD.encode(r#"["n+c+i+",[1,2,3]]"#);
        let short = URL_SAFE_NO_PAD.encode(r#"["n+c+i+",["a"]]"#);
        for cursor in [
            "",
            "%%%",
            "bm90IGpzb24",
            wrong_types.as_str(),
            short.as_str(),
        ] {
            assert!(
                args(cursor).window("n+c+i+", &TYPES).is_err(),
                "cursor {cursor:?}"
            );
        }
    }

    #[test]
    fn page_sizes_outside_the_range_are_refused_by_name() {
        let cases = [
            (Some(-1), None, Some("first")),
            (Some(1001), None, Some("first")),
            (None, Some(-5), Some("last")),
            (Some(1), Some(1), Some("last")),
            (Some(0), None, None),
            (Some(1000), None, None),
            (None, None, None),
        ];
        for (first, last, refused) in cases {
            let result = PageArgs {
                first,
                last,
                ..Default::default()
            }
            .window("i+", &[KeyType::Int]);
            let argument = match result {
                Err(ApiError::BadUserInput { argument, .. }) => Some(argument),
                _ => None,
            };
            assert_eq!(
                argument.as_deref(),
                refused,
                "first {first:?} last {last:?}"
            );
        }
    }

    #[test]
    fn the_default_page_holds_fifty() {
        let window = PageArgs::default().window("i+", &[KeyType::Int]);
        assert_eq!(window.map(|w| w.limit), Ok(DEFAULT_PAGE));
    }
}
