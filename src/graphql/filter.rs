//! Filter and sort arguments of `callPurposes`, translated to the store's
//! types after their own checks.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::store::purposes::{Filter, IntCondition, NameCondition, Sort, SortField, TimeCondition};

/// Most values an `in` list may hold.
const MAX_IN: usize = 1000;

/// Conditions on an integer; every condition given must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct IntFilter {
    /// Equal to this value.
    pub eq: Option<i32>,
    /// Equal to one of these values (at most 1000).
    #[graphql(name = "in")]
    pub any_of: Option<Vec<i32>>,
    /// Greater than or equal to this value.
    pub gte: Option<i32>,
    /// Less than or equal to this value.
    pub lte: Option<i32>,
}

/// Conditions on a date-time; every condition given must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct DateTimeFilter {
    /// Exactly this instant.
    pub eq: Option<DateTime<Utc>>,
    /// One of these instants (at most 1000).
    #[graphql(name = "in")]
    pub any_of: Option<Vec<DateTime<Utc>>>,
    /// At or after this instant.
    pub gte: Option<DateTime<Utc>>,
    /// At or before this instant.
    pub lte: Option<DateTime<Utc>>,
}

/// Conditions on a name; every condition given must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct NameFilter {
    /// Exactly this name (case and spaces matter).
    pub eq: Option<String>,
    /// Exactly one of these names (at most 1000).
    #[graphql(name = "in")]
    pub any_of: Option<Vec<String>>,
    /// Contains this text; ASCII letters match in either case.
    pub contains: Option<String>,
}

/// Which call purposes to list. Every condition given must hold;
/// relationships cannot be filtered on, as upstream.
#[derive(Debug, Clone, Default, InputObject)]
pub struct CallPurposeFilter {
    /// On the name.
    pub name: Option<NameFilter>,
    /// On the display order.
    pub order: Option<IntFilter>,
    /// On the creation time.
    pub created_at: Option<DateTimeFilter>,
    /// On the time of the last change.
    pub updated_at: Option<DateTimeFilter>,
    /// On the integer id.
    pub database_id: Option<IntFilter>,
}

impl CallPurposeFilter {
    /// The store's filter, once `in` lists are checked.
    pub fn into_store(self) -> Result<Filter, ApiError> {
        let name = self.name.unwrap_or_default();
        check_in("filter.name.in", name.any_of.as_ref())?;
        Ok(Filter {
            name: NameCondition {
                eq: name.eq,
                any_of: name.any_of,
                contains: name.contains,
            },
            order: ints("filter.order.in", self.order)?,
            database_id: ints("filter.databaseId.in", self.database_id)?,
            created_at: times("filter.createdAt.in", self.created_at)?,
            updated_at: times("filter.updatedAt.in", self.updated_at)?,
        })
    }
}

fn check_in<T>(argument: &str, values: Option<&Vec<T>>) -> Result<(), ApiError> {
    match values {
        Some(values) if values.len() > MAX_IN => Err(ApiError::bad_input(
            argument,
            format!("at most {MAX_IN} values, got {}", values.len()),
        )),
        _ => Ok(()),
    }
}

fn ints(argument: &str, filter: Option<IntFilter>) -> Result<IntCondition, ApiError> {
    let filter = filter.unwrap_or_default();
    check_in(argument, filter.any_of.as_ref())?;
    Ok(IntCondition {
        eq: filter.eq,
        any_of: filter.any_of,
        gte: filter.gte,
        lte: filter.lte,
    })
}

fn times(argument: &str, filter: Option<DateTimeFilter>) -> Result<TimeCondition, ApiError> {
    let filter = filter.unwrap_or_default();
    check_in(argument, filter.any_of.as_ref())?;
    Ok(TimeCondition {
        eq: filter.eq,
        any_of: filter.any_of,
        gte: filter.gte,
        lte: filter.lte,
    })
}

/// What to sort call purposes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CallPurposeOrderField {
    /// The display order chosen by the team (the default).
    Order,
    /// The name, compared code point by code point (so "Z" before "a").
    Name,
    /// When the purpose was created.
    CreatedAt,
    /// When the purpose last changed.
    UpdatedAt,
    /// The integer id, which grows with each new purpose.
    Id,
}

/// Which way to sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One term of a sort; earlier terms win, ties fall to later ones and
/// finally to the id.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct CallPurposeOrder {
    /// The field to sort by.
    pub field: CallPurposeOrderField,
    /// The direction; ascending when omitted.
    #[graphql(default_with = "SortDirection::Asc")]
    pub direction: SortDirection,
}

/// The store's sort for these terms (`ORDER ASC` when there are none).
pub fn sort(order_by: &[CallPurposeOrder]) -> Sort {
    Sort::new(order_by.iter().map(|term| {
        let field = match term.field {
            CallPurposeOrderField::Order => SortField::Order,
            CallPurposeOrderField::Name => SortField::Name,
            CallPurposeOrderField::CreatedAt => SortField::CreatedAt,
            CallPurposeOrderField::UpdatedAt => SortField::UpdatedAt,
            CallPurposeOrderField::Id => SortField::Id,
        };
        (field, term.direction == SortDirection::Desc)
    }))
}
