//! Reading calls: each purpose's calls, newest first, for many purposes at
//! once.

use std::collections::HashMap;

use entity::call::{Column, Entity, Model};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait as _, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    QuerySelect,
};

use crate::store::page::{Page, Window};

/// A window over one purpose's calls; the key is the call id, newest
/// (largest) first.
pub type CallWindow = Window<i32>;

/// For each purpose in `purpose_ids`, the page of its calls `window` asks
/// for, in one statement: every call is numbered within its purpose by a
/// window function and only the first `limit + 1` of each are returned.
pub async fn pages_for_purposes(
    db: &impl ConnectionTrait,
    purpose_ids: &[i32],
    window: &CallWindow,
) -> Result<HashMap<i32, Page<Model>>, DbErr> {
    // Newest first, so "after" a cursor means smaller ids; `last` reads the
    // same order from the other end.
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
        .and_where(Expr::col(Alias::new("rn")).lte(limit))
        .order_by(Alias::new("rn"), sea_orm::Order::Asc);

    let statement = db.get_database_backend().build(&outer);
    let rows = Model::find_by_statement(statement).all(db).await?;

    let mut grouped: HashMap<i32, Vec<Model>> = HashMap::new();
    for call in rows {
        if let Some(purpose) = call.call_purpose_id {
            grouped.entry(purpose).or_default().push(call);
        }
    }
    Ok(purpose_ids
        .iter()
        .map(|id| {
            (
                *id,
                window.into_page(grouped.remove(id).unwrap_or_default()),
            )
        })
        .collect())
}

/// How many calls each purpose has, in one grouped statement. Purposes
/// without calls are absent.
pub async fn counts_for_purposes(
    db: &impl ConnectionTrait,
    purpose_ids: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    let rows: Vec<(Option<i32>, i64)> = Entity::find()
        .select_only()
        .column(Column::CallPurposeId)
        .column_as(Column::Id.count(), "count")
        .filter(Column::CallPurposeId.is_in(purpose_ids.iter().copied()))
        .group_by(Column::CallPurposeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(purpose, count)| Some((purpose?, count)))
        .collect())
}

/// The calls with these ids.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}
