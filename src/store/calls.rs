//! Reading calls: each purpose's calls, newest first, for many purposes at
//! once.

use std::collections::HashMap;

use entity::call::{Column, Entity, Model};
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, ExprTrait as _, JoinType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Iterable, Order,
    QueryFilter,
};

use crate::store::page::{Page, Window};

/// A window over one purpose's calls; the key is the call id, newest
/// (largest) first.
pub type CallWindow = Window<i32>;

/// For each purpose in `purpose_ids`, the page of its calls `window` asks
/// for, in one statement.
pub async fn pages_for_purposes(
    db: &impl ConnectionTrait,
    purpose_ids: &[i32],
    window: &CallWindow,
) -> Result<HashMap<i32, Page<Model>>, DbErr> {
    if purpose_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let query = match backend {
        DbBackend::Postgres => lateral(purpose_ids, window),
        DbBackend::Sqlite => correlated(purpose_ids, window),
        _ => numbered(purpose_ids, window),
    };
    let rows = Model::find_by_statement(backend.build(&query))
        .all(db)
        .await?;

    let mut grouped: HashMap<i32, Vec<Model>> = HashMap::new();
    for call in rows {
        if let Some(purpose) = call.call_purpose_id {
            grouped.entry(purpose).or_default().push(call);
        }
    }
    Ok(purpose_ids
        .iter()
        .map(|id| {
            let mut calls = grouped.remove(id).unwrap_or_default();
            // Fetch order: newest first, or oldest first when reading from the end.
            if window.from_end {
                calls.sort_unstable_by_key(|call| call.id);
            } else {
                calls.sort_unstable_by_key(|call| std::cmp::Reverse(call.id));
            }
            (*id, window.into_page(calls))
        })
        .collect())
}

/// The calls of one purpose inside the window, in fetch order, `limit + 1`
/// of them (the extra one tells whether there are more).
fn one_purpose(purpose: Expr, window: &CallWindow) -> sea_orm::sea_query::SelectStatement {
    let mut query = Query::select();
    query
        .columns(Column::iter().map(|column| (Entity, column)))
        .from(Entity)
        .and_where(Expr::col((Entity, Column::CallPurposeId)).eq(purpose));
    if let Some(after) = window.after {
        query.and_where(Expr::col((Entity, Column::Id)).lt(after));
    }
    if let Some(before) = window.before {
        query.and_where(Expr::col((Entity, Column::Id)).gt(before));
    }
    let order = if window.from_end {
        Order::Asc
    } else {
        Order::Desc
    };
    query
        .order_by((Entity, Column::Id), order)
        .limit(window.limit + 1);
    query
}

/// PostgreSQL: a LATERAL join runs the per-purpose query once for each
/// purpose, each a short walk of the (call_purpose_id, id) index.
fn lateral(purpose_ids: &[i32], window: &CallWindow) -> sea_orm::sea_query::SelectStatement {
    let purposes = Alias::new("purposes");
    let key = Expr::col((purposes.clone(), Alias::new("column1")));
    let page = Alias::new("page");
    let mut query = Query::select();
    query
        .column((page.clone(), Asterisk))
        .from_values(purpose_ids.iter().copied(), purposes)
        .join_lateral(
            JoinType::InnerJoin,
            one_purpose(key, window),
            page,
            Condition::all().add(Expr::value(true)),
        );
    query
}

/// SQLite (no LATERAL): each purpose's page of ids comes from a correlated
/// subquery, a short walk of the same index; the rows are then read by
/// primary key.
fn correlated(purpose_ids: &[i32], window: &CallWindow) -> sea_orm::sea_query::SelectStatement {
    let purposes = Alias::new("purposes");
    let key = Expr::col((purposes.clone(), Alias::new("column1")));
    let mut ids = one_purpose(key, window);
    ids.clear_selects().column((Entity, Column::Id));

    let mut query = Query::select();
    query
        .column((Entity, Asterisk))
        .from_values(purpose_ids.iter().copied(), purposes)
        .join(
            JoinType::InnerJoin,
            Entity,
            Expr::col((Entity, Column::Id)).in_subquery(ids),
        );
    query
}

/// MySQL and MariaDB (MariaDB has neither LATERAL nor LIMIT in an IN
/// subquery): number every call within its purpose with a window function
/// and keep the first `limit + 1` of each. It reads all calls of the
/// purposes, so it costs more on purposes with many calls.
fn numbered(purpose_ids: &[i32], window: &CallWindow) -> sea_orm::sea_query::SelectStatement {
    let direction = if window.from_end { "ASC" } else { "DESC" };
    let row_number =
        format!("ROW_NUMBER() OVER (PARTITION BY call_purpose_id ORDER BY id {direction})");

    let mut numbered = Query::select();
    numbered
        .columns(Column::iter())
        .expr_as(Expr::cust(row_number), Alias::new("rn"))
        .from(Entity)
        .and_where(Column::CallPurposeId.is_in(purpose_ids.iter().copied()));
    if let Some(after) = window.after {
        numbered.and_where(Column::Id.lt(after));
    }
    if let Some(before) = window.before {
        numbered.and_where(Column::Id.gt(before));
    }

    let limit = i64::try_from(window.limit + 1).unwrap_or(i64::MAX);
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(numbered, Alias::new("numbered"))
        .and_where(Expr::col(Alias::new("rn")).lte(limit));
    outer
}

/// The calls with these ids.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn sqlite_reads_each_purposes_page_through_a_correlated_subquery() {
        let window = CallWindow {
            limit: 10,
            from_end: true,
            after: None,
            before: Some(5),
        };

        let sql = correlated(&[3], &window).to_string(SqliteQueryBuilder);

        assert_eq!(
            sql,
            concat!(
                r#"SELECT "calls".* FROM (VALUES (3)) AS "purposes" INNER JOIN "calls" ON "calls"."id" IN "#,
                r#"(SELECT "calls"."id" FROM "calls" WHERE "calls"."call_purpose_id" = "purposes"."column1" "#,
                r#"AND "calls"."id" > 5 ORDER BY "calls"."id" ASC LIMIT 11)"#
            )
        );
    }

    #[test]
    fn postgres_reads_each_purposes_page_through_a_lateral_join() {
        let window = CallWindow {
            limit: 10,
            from_end: false,
            after: Some(900),
            before: None,
        };

        let sql = lateral(&[3, 4], &window).to_string(PostgresQueryBuilder);

        assert!(
            sql.starts_with(
                r#"SELECT "page".* FROM (VALUES (3), (4)) AS "purposes" INNER JOIN LATERAL (SELECT"#
            ),
            "{sql}"
        );
        assert!(sql.contains(r#"WHERE "calls"."call_purpose_id" = "purposes"."column1" AND "calls"."id" < 900 ORDER BY "calls"."id" DESC LIMIT 11"#), "{sql}");
    }
}
