//! Reading call purposes: filtered, sorted, paged lists and look-ups by id.

use chrono::{DateTime, Utc};
use entity::call_purpose::{Column, Entity, Model};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::store::page::{KeyValue, Page, Window, beyond, col};

/// A column a list of purposes can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    /// Display position.
    Order,
    /// Name, code point by code point.
    Name,
    /// Creation time.
    CreatedAt,
    /// Time of the last change.
    UpdatedAt,
    /// Database id.
    Id,
}

impl SortField {
    fn column(self) -> Column {
        match self {
            SortField::Order => Column::DisplayOrder,
            SortField::Name => Column::Name,
            SortField::CreatedAt => Column::CreatedAt,
            SortField::UpdatedAt => Column::UpdatedAt,
            SortField::Id => Column::Id,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            SortField::Order => "o",
            SortField::Name => "n",
            SortField::CreatedAt => "c",
            SortField::UpdatedAt => "u",
            SortField::Id => "i",
        }
    }

    fn key_of(self, purpose: &Model) -> KeyValue {
        match self {
            SortField::Order => KeyValue::Int(purpose.display_order),
            SortField::Name => KeyValue::Text(purpose.name.clone()),
            SortField::CreatedAt => KeyValue::Time(purpose.created_at),
            SortField::UpdatedAt => KeyValue::Time(purpose.updated_at),
            SortField::Id => KeyValue::Int(purpose.id),
        }
    }
}

/// A total sort order: the terms asked for, then the id, so that every row
/// has a distinct key and cursors never skip or repeat a row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    terms: Vec<(SortField, bool)>,
}

impl Sort {
    /// Builds the order from `(field, descending)` terms, in priority order.
    /// Repeated fields keep their first term; `ORDER ASC` when empty.
    pub fn new(requested: impl IntoIterator<Item = (SortField, bool)>) -> Sort {
        let mut terms: Vec<(SortField, bool)> = Vec::new();
        for (field, descending) in requested {
            if terms.iter().all(|(seen, _)| *seen != field) {
                terms.push((field, descending));
            }
            // The id is unique: nothing after it can change the order.
            if field == SortField::Id {
                break;
            }
        }
        if terms.is_empty() {
            terms.push((SortField::Order, false));
        }
        if terms.iter().all(|(field, _)| *field != SortField::Id) {
            terms.push((SortField::Id, false));
        }
        Sort { terms }
    }

    /// The terms, id last.
    pub fn terms(&self) -> &[(SortField, bool)] {
        &self.terms
    }

    /// A short text naming this order, stored in cursors so that a cursor
    /// made under one order is refused under another.
    pub fn signature(&self) -> String {
        self.terms
            .iter()
            .map(|(field, descending)| {
                format!("{}{}", field.tag(), if *descending { '-' } else { '+' })
            })
            .collect()
    }

    /// The sort key of one row.
    pub fn key_of(&self, purpose: &Model) -> Vec<KeyValue> {
        self.terms
            .iter()
            .map(|(field, _)| field.key_of(purpose))
            .collect()
    }

    fn columns(&self) -> Vec<(SimpleExpr, bool)> {
        self.terms
            .iter()
            .map(|(field, descending)| (col(field.column()), *descending))
            .collect()
    }
}

/// Conditions on one integer attribute; all given parts must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IntCondition {
    /// Equal to.
    pub eq: Option<i32>,
    /// One of.
    pub any_of: Option<Vec<i32>>,
    /// At least.
    pub gte: Option<i32>,
    /// At most.
    pub lte: Option<i32>,
}

/// Conditions on one timestamp attribute; all given parts must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TimeCondition {
    /// Equal to.
    pub eq: Option<DateTime<Utc>>,
    /// One of.
    pub any_of: Option<Vec<DateTime<Utc>>>,
    /// At or after.
    pub gte: Option<DateTime<Utc>>,
    /// At or before.
    pub lte: Option<DateTime<Utc>>,
}

/// Conditions on the name; all given parts must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NameCondition {
    /// Exactly equal to.
    pub eq: Option<String>,
    /// Exactly equal to one of.
    pub any_of: Option<Vec<String>>,
    /// Contains this text, ignoring the case of ASCII letters.
    pub contains: Option<String>,
}

/// A filter on the four attributes and the id; all given parts must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    /// On the name.
    pub name: NameCondition,
    /// On the display order.
    pub order: IntCondition,
    /// On the creation time.
    pub created_at: TimeCondition,
    /// On the time of the last change.
    pub updated_at: TimeCondition,
    /// On the database id.
    pub database_id: IntCondition,
}

impl Filter {
    /// The SQL condition, with every value bound as a parameter.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        all = add_ints(all, Column::DisplayOrder, &self.order);
        all = add_ints(all, Column::Id, &self.database_id);
        all = add_times(all, Column::CreatedAt, &self.created_at);
        all = add_times(all, Column::UpdatedAt, &self.updated_at);

        if let Some(eq) = &self.name.eq {
            all = all.add(Column::Name.eq(eq.as_str()));
        }
        if let Some(any_of) = &self.name.any_of {
            all = all.add(Column::Name.is_in(any_of.iter().map(String::as_str)));
        }
        if let Some(contains) = &self.name.contains {
            let pattern = format!("%{}%", escape_like(&contains.to_ascii_lowercase()));
            let lowered: SimpleExpr = Func::lower(Expr::col((Entity, Column::Name))).into();
            all = all.add(lowered.like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')));
        }
        all
    }
}

fn add_ints(mut all: Condition, column: Column, condition: &IntCondition) -> Condition {
    if let Some(eq) = condition.eq {
        all = all.add(column.eq(eq));
    }
    if let Some(any_of) = &condition.any_of {
        all = all.add(column.is_in(any_of.iter().copied()));
    }
    if let Some(gte) = condition.gte {
        all = all.add(column.gte(gte));
    }
    if let Some(lte) = condition.lte {
        all = all.add(column.lte(lte));
    }
    all
}

fn add_times(mut all: Condition, column: Column, condition: &TimeCondition) -> Condition {
    if let Some(eq) = condition.eq {
        all = all.add(column.eq(eq));
    }
    if let Some(any_of) = &condition.any_of {
        all = all.add(column.is_in(any_of.iter().copied()));
    }
    if let Some(gte) = condition.gte {
        all = all.add(column.gte(gte));
    }
    if let Some(lte) = condition.lte {
        all = all.add(column.lte(lte));
    }
    all
}

/// Escapes LIKE's wildcards so that the text matches literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One page of purposes matching `filter`, in `sort` order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    sort: &Sort,
    window: &Window<Vec<KeyValue>>,
) -> Result<Page<Model>, DbErr> {
    let columns = sort.columns();
    let mut query = Entity::find().filter(filter.condition());
    if let Some(after) = &window.after {
        query = query.filter(beyond(&columns, after, true));
    }
    if let Some(before) = &window.before {
        query = query.filter(beyond(&columns, before, false));
    }
    for (column, descending) in columns {
        let ascending = descending == window.from_end;
        query = query.order_by(column, if ascending { Order::Asc } else { Order::Desc });
    }

    let rows = query.limit(window.limit + 1).all(db).await?;
    Ok(window.into_page(rows))
}

/// How many purposes match `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, DbErr> {
    Entity::find().filter(filter.condition()).count(db).await
}

/// The purposes with these ids (missing ids are simply absent).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Query, SqliteQueryBuilder};

    use super::*;

    fn sql(filter: &Filter) -> String {
        Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("call_purposes"))
            .cond_where(filter.condition())
            .to_string(SqliteQueryBuilder)
    }

    #[test]
    fn sorts_always_end_with_the_id_and_drop_repeats() {
        let cases = [
            (vec![], "o+i+"),
            (vec![(SortField::Name, true)], "n-i+"),
            (vec![(SortField::Id, true), (SortField::Name, false)], "i-"),
            (
                vec![(SortField::Order, false), (SortField::Order, true)],
                "o+i+",
            ),
        ];
        for (terms, signature) in cases {
            assert_eq!(
                Sort::new(terms.clone()).signature(),
                signature,
                "terms {terms:?}"
            );
        }
    }

    #[test]
    fn an_empty_filter_matches_everything() {
        assert_eq!(
            sql(&Filter::default()),
            r#"SELECT "id" FROM "call_purposes" WHERE TRUE"#
        );
    }

    #[test]
    fn filters_translate_to_bound_comparisons() {
        let filter = Filter {
            order: IntCondition {
                gte: Some(2),
                lte: Some(5),
                ..Default::default()
            },
            database_id: IntCondition {
                any_of: Some(vec![1, 2]),
                ..Default::default()
            },
            name: NameCondition {
                eq: Some("Follow Up".into()),
                ..Default::default()
            },
            ..Default::default()
        };

        let text = sql(&filter);

        assert_eq!(
            text,
            concat!(
                r#"SELECT "id" FROM "call_purposes" WHERE "call_purposes"."display_order" >= 2 "#,
                r#"AND "call_purposes"."display_order" <= 5 AND "call_purposes"."id" IN (1, 2) "#,
                r#"AND "call_purposes"."name" = 'Follow Up'"#
            )
        );
    }

    #[test]
    fn contains_ignores_case_and_escapes_wildcards() {
        let filter = Filter {
            name: NameCondition {
                contains: Some("50%_Off".into()),
                ..Default::default()
            },
            ..Default::default()
        };

        let text = sql(&filter);

        assert_eq!(
            text,
            r#"SELECT "id" FROM "call_purposes" WHERE LOWER("call_purposes"."name") LIKE '%50\%\_off%' ESCAPE '\'"#
        );
    }
}
