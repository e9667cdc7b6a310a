//! Writing call purposes. Every write runs in one transaction that first
//! locks the collection's row in `collection_locks`, so writes that move
//! orders run one at a time across connections and processes; the UNIQUE
//! constraint on the order stays on as the last line of defence.
//!
//! Shifting a run of orders by one would collide with the neighbour on
//! every row under a UNIQUE constraint that is checked row by row (as
//! PostgreSQL, MySQL and SQLite all do for a plain UNIQUE). So a shift
//! parks the rows at the negated target orders, then flips the signs: two
//! UPDATEs whatever the number of rows.

use chrono::{DateTime, Utc};
use entity::call_purpose::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::domain::ordering::{self, NotAPermutation, OutOfRange, Shift};

/// Why a write did not happen, as far as the client is concerned.
#[derive(Debug)]
pub enum WriteError {
    /// No purpose has this id.
    NotFound,
    /// The purpose changed since the client read it.
    Conflict {
        /// Its current `updatedAt`.
        current: DateTime<Utc>,
    },
    /// An order outside the allowed range.
    OutOfRange(OutOfRange),
    /// A reorder that is not a permutation of the collection.
    NotAPermutation(NotAPermutation),
    /// The database failed; nothing was written.
    Database(DbErr),
}

impl From<DbErr> for WriteError {
    fn from(error: DbErr) -> Self {
        WriteError::Database(error)
    }
}

/// What an update changes; `None` leaves the attribute alone.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The new (already valid) name.
    pub name: Option<String>,
    /// The new order.
    pub order: Option<i32>,
    /// Refuse the update unless the purpose's `updatedAt` is exactly this.
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// Begins a write: a transaction holding the collection's lock.
async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    let lock = Query::update()
        .table(CollectionLocks)
        .value(LockColumn::Version, Expr::col(LockColumn::Version).add(1))
        .and_where(Expr::col(LockColumn::Name).eq("call_purposes"))
        .to_owned();
    txn.execute(&lock).await?;
    Ok(txn)
}

/// Creates a purpose at `order` (appended when `None`).
pub async fn create(
    db: &DatabaseConnection,
    name: String,
    order: Option<i32>,
    creator_id: i32,
    now: DateTime<Utc>,
) -> Result<Model, WriteError> {
    let txn = begin(db).await?;
    let n = count(&txn).await?;
    let (position, shift) = ordering::insert(n, order).map_err(WriteError::OutOfRange)?;

    if let Some(shift) = shift {
        apply(&txn, shift, None, now).await?;
    }
    let row = ActiveModel {
        name: Set(name),
        display_order: Set(position),
        creator_id: Set(creator_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let id = Entity::insert(row).exec(&txn).await?.last_insert_id;
    let created = find(&txn, id).await?.ok_or(WriteError::NotFound)?;

    txn.commit().await?;
    Ok(created)
}

/// Renames and/or moves a purpose. Nothing changes (not even `updatedAt`)
/// when the values are those it already has.
pub async fn update(
    db: &DatabaseConnection,
    id: i32,
    changes: Changes,
    now: DateTime<Utc>,
) -> Result<Model, WriteError> {
    let txn = begin(db).await?;
    let current = find(&txn, id).await?.ok_or(WriteError::NotFound)?;
    if let Some(expected) = changes.expected_updated_at
        && expected != current.updated_at
    {
        return Err(WriteError::Conflict {
            current: current.updated_at,
        });
    }

    let n = count(&txn).await?;
    let shift = match changes.order {
        Some(order) => {
            ordering::relocate(n, current.display_order, order).map_err(WriteError::OutOfRange)?
        }
        None => None,
    };
    let rename = changes.name.filter(|name| *name != current.name);
    if shift.is_none() && rename.is_none() {
        return Ok(current);
    }

    // Never let updatedAt stand still or go back: a client holding the old
    // value must see a conflict even if two changes share a microsecond.
    let now = std::cmp::max(now, current.updated_at + chrono::TimeDelta::microseconds(1));
    if let Some(shift) = shift {
        let target = changes.order.unwrap_or(current.display_order);
        apply(&txn, shift, Some((id, target)), now).await?;
    }
    let mut row = ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = rename {
        row.name = Set(name);
    }
    Entity::update(row).exec(&txn).await?;
    let updated = find(&txn, id).await?.ok_or(WriteError::NotFound)?;

    txn.commit().await?;
    Ok(updated)
}

/// Deletes a purpose and closes the gap; its calls keep existing with no
/// purpose (the foreign key sets them to NULL).
pub async fn delete(
    db: &DatabaseConnection,
    id: i32,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let txn = begin(db).await?;
    let current = find(&txn, id).await?.ok_or(WriteError::NotFound)?;
    let n = count(&txn).await?;

    Entity::delete_by_id(id).exec(&txn).await?;
    if let Some(shift) = ordering::remove(n, current.display_order) {
        apply(&txn, shift, None, now).await?;
    }

    txn.commit().await?;
    Ok(())
}

/// Puts the whole collection in the order of `ids`, at once.
pub async fn reorder(
    db: &DatabaseConnection,
    ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<Model>, WriteError> {
    let txn = begin(db).await?;
    let current: Vec<(i32, i32)> = Entity::find()
        .select_only()
        .columns([Column::Id, Column::DisplayOrder])
        .into_tuple()
        .all(&txn)
        .await?;
    let current_ids: Vec<i32> = current.iter().map(|(id, _)| *id).collect();
    ordering::check_permutation(&current_ids, ids).map_err(WriteError::NotAPermutation)?;

    let moved: Vec<(i32, i32)> = ids
        .iter()
        .zip(1..)
        .filter(|(id, position)| current.iter().any(|(i, o)| i == *id && o != position))
        .map(|(id, position)| (*id, position))
        .collect();
    if !moved.is_empty() {
        // The moved purposes trade places among themselves, so parking them
        // at their negated targets and flipping the signs never collides.
        let mut targets = CaseStatement::new();
        for (id, position) in &moved {
            targets = targets.case(Column::Id.eq(*id), Expr::val(-position));
        }
        let park = Query::update()
            .table(Entity)
            .value(Column::DisplayOrder, targets)
            .value(Column::UpdatedAt, now)
            .and_where(Column::Id.is_in(moved.iter().map(|(id, _)| *id)))
            .to_owned();
        txn.execute(&park).await?;
        flip(&txn).await?;
    }
    let reordered = Entity::find()
        .order_by_asc(Column::DisplayOrder)
        .all(&txn)
        .await?;

    txn.commit().await?;
    Ok(reordered)
}

/// Moves the orders of `shift` by its delta, and optionally one purpose
/// `(id, target)` to its new place, in two statements.
async fn apply(
    txn: &DatabaseTransaction,
    shift: Shift,
    moving: Option<(i32, i32)>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let order = Expr::col(Column::DisplayOrder);
    let in_run = order.clone().between(shift.from, shift.to);
    let shifted = Expr::val(0).sub(order.add(shift.delta));
    let (value, condition) = match moving {
        Some((id, target)) => (
            CaseStatement::new()
                .case(Column::Id.eq(id), Expr::val(-target))
                .finally(shifted)
                .into(),
            in_run.or(Column::Id.eq(id)),
        ),
        None => (shifted, in_run),
    };
    let park = Query::update()
        .table(Entity)
        .value(Column::DisplayOrder, value)
        .value(Column::UpdatedAt, now)
        .and_where(condition)
        .to_owned();
    txn.execute(&park).await?;
    flip(txn).await
}

/// Turns the parked (negative) orders positive.
async fn flip(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    let statement = Query::update()
        .table(Entity)
        .value(
            Column::DisplayOrder,
            Expr::val(0).sub(Expr::col(Column::DisplayOrder)),
        )
        .and_where(Column::DisplayOrder.lt(0))
        .to_owned();
    txn.execute(&statement).await?;
    Ok(())
}

async fn count(txn: &DatabaseTransaction) -> Result<i32, DbErr> {
    let n = Entity::find().count(txn).await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

async fn find(txn: &DatabaseTransaction, id: i32) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(Column::Id.eq(id)).one(txn).await
}

#[derive(sea_orm::DeriveIden)]
struct CollectionLocks;

#[derive(sea_orm::DeriveIden)]
enum LockColumn {
    Name,
    Version,
}
