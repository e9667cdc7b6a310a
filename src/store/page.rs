//! Keyset pagination shared by every list: a window over a sort order,
//! bounded by the sort keys of the rows before and after it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _, SimpleExpr};

/// One value of a row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// An integer column.
    Int(i32),
    /// A text column.
    Text(String),
    /// A timestamp column.
    Time(DateTime<Utc>),
}

impl From<KeyValue> for sea_orm::Value {
    fn from(value: KeyValue) -> Self {
        match value {
            KeyValue::Int(v) => v.into(),
            KeyValue::Text(v) => v.into(),
            KeyValue::Time(v) => v.into(),
        }
    }
}

/// Which rows of a sorted list a request wants, already validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window<K> {
    /// How many rows at most.
    pub limit: u64,
    /// `true` for `last`: the rows nearest `before` (or the end).
    pub from_end: bool,
    /// Only rows sorting strictly after this key.
    pub after: Option<K>,
    /// Only rows sorting strictly before this key.
    pub before: Option<K>,
}

/// One page of rows and whether more lie beyond it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, in sort order.
    pub items: Vec<T>,
    /// Rows exist before the first one (as far as the window can tell).
    pub has_previous: bool,
    /// Rows exist after the last one (as far as the window can tell).
    pub has_next: bool,
}

impl<T> Page<T> {
    /// The same page with each row turned by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }
}

impl<K> Window<K> {
    /// Turns the `limit + 1` rows fetched for this window (in the window's
    /// fetch order: reversed for `from_end`) into the page. The extra row
    /// only tells that there is more.
    ///
    /// Looking past the other end would cost a second query, so that side
    /// reports what the cursor implies: a row exists beyond a cursor the
    /// client holds.
    pub fn into_page<T>(&self, mut rows: Vec<T>) -> Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        if self.from_end {
            rows.reverse();
            Page {
                items: rows,
                has_previous: more,
                has_next: self.before.is_some(),
            }
        } else {
            Page {
                items: rows,
                has_previous: self.after.is_some(),
                has_next: more,
            }
        }
    }
}

/// The rows strictly beyond `key` along `columns` (column, descending?):
/// `(a > x) OR (a = x AND b > y) OR ...`, each comparison turned for
/// descending columns and for `before` (`after == false`).
pub fn beyond(columns: &[(SimpleExpr, bool)], key: &[KeyValue], after: bool) -> Condition {
    let mut any = Condition::any();
    for position in 0..columns.len().min(key.len()) {
        let mut all = Condition::all();
        for ((column, _), value) in columns.iter().zip(key).take(position) {
            all = all.add(column.clone().eq(value.clone()));
        }
        let (column, descending) = &columns[position];
        let value = key[position].clone();
        let greater = after != *descending;
        let step = if greater {
            column.clone().gt(value)
        } else {
            column.clone().lt(value)
        };
        any = any.add(all.add(step));
    }
    any
}

/// Wraps a column for use in [`beyond`].
pub fn col(column: impl sea_orm::sea_query::IntoColumnRef) -> SimpleExpr {
    Expr::col(column)
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query};

    use super::*;

    fn sql(condition: Condition) -> String {
        Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("t"))
            .cond_where(condition)
            .to_string(PostgresQueryBuilder)
    }

    #[test]
    fn keyset_after_an_ascending_pair_compares_lexicographically() {
        let columns = [
            (col(Alias::new("a")), false),
            (col(Alias::new("id")), false),
        ];
        let key = [KeyValue::Int(3), KeyValue::Int(9)];

        let text = sql(beyond(&columns, &key, true));

        assert_eq!(
            text,
            r#"SELECT "id" FROM "t" WHERE "a" > 3 OR ("a" = 3 AND "id" > 9)"#
        );
    }

    #[test]
    fn keyset_before_a_descending_column_turns_the_comparison() {
        let columns = [
            (col(Alias::new("name")), true),
            (col(Alias::new("id")), false),
        ];
        let key = [KeyValue::Text("b".into()), KeyValue::Int(2)];

        let text = sql(beyond(&columns, &key, false));

        assert_eq!(
            text,
            r#"SELECT "id" FROM "t" WHERE "name" > 'b' OR ("name" = 'b' AND "id" < 2)"#
        );
    }

    #[test]
    fn pages_report_more_rows_on_the_side_they_fetched() {
        let forward = Window::<Vec<KeyValue>> {
            limit: 2,
            from_end: false,
            after: Some(vec![KeyValue::Int(1)]),
            before: None,
        };
        let page = forward.into_page(vec![1, 2, 3]);
        assert_eq!(page.items, vec![1, 2]);
        assert!(page.has_next && page.has_previous);

        let backward = Window::<Vec<KeyValue>> {
            limit: 2,
            from_end: true,
            after: None,
            before: None,
        };
        let page = backward.into_page(vec![9, 8]);
        assert_eq!(page.items, vec![8, 9]);
        assert!(!page.has_previous && !page.has_next);
    }
}
