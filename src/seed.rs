//! Demo data for a first start, and benchmark-sized data on demand.

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use entity::{call, call_purpose, user};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, TransactionTrait,
};

use crate::db::now;

/// The ready-made collection a new deployment starts with, in display order.
pub const DEMO_PURPOSES: [&str; 10] = [
    "Initial Contact",
    "Follow Up",
    "Discovery Call",
    "Product Demo",
    "Pricing Discussion",
    "Negotiation",
    "Contract Review",
    "Closing Call",
    "Onboarding Check-in",
    "Renewal Discussion",
];

/// The demo user's e-mail address.
pub const DEMO_EMAIL: &str = "demo@example.com";

/// Rows per INSERT: below every backend's limit on bound parameters.
const BATCH: usize = 2000;

/// Writes the demo user, the demo purposes and a few calls for each, unless
/// the database already has users. Returns whether it wrote anything.
pub async fn demo_if_empty(db: &sea_orm::DatabaseConnection) -> anyhow::Result<bool> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }

    let outcome = db
        .transaction::<_, _, sea_orm::DbErr>(|txn| Box::pin(async move { write_demo(txn).await }))
        .await;
    match outcome {
        Ok(()) => Ok(true),
        // Another process seeding at the same moment wins the race on the
        // unique e-mail; its data is the demo data.
        Err(_) if user::Entity::find().count(db).await? > 0 => Ok(false),
        Err(error) => Err(error).context("writing the demo data"),
    }
}

async fn write_demo(txn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let at = now();
    let demo = user::ActiveModel {
        first_name: Set("Demo".into()),
        last_name: Set("User".into()),
        email: Set(DEMO_EMAIL.into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    let demo_id = user::Entity::insert(demo).exec(txn).await?.last_insert_id;

    let purposes = DEMO_PURPOSES
        .iter()
        .zip(1..)
        .map(|(name, order)| call_purpose::ActiveModel {
            name: Set((*name).into()),
            display_order: Set(order),
            creator_id: Set(demo_id),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        });
    call_purpose::Entity::insert_many(purposes)
        .exec_without_returning(txn)
        .await?;

    let purpose_ids: Vec<i32> = call_purpose::Entity::find()
        .select_only()
        .column(call_purpose::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let mut rng = StdRng::seed_from_u64(7);
    let calls: Vec<_> = (0..40)
        .map(|n| {
            let purpose = (n % 8 != 7).then(|| purpose_ids[n % purpose_ids.len()]);
            random_call(&mut rng, demo_id, purpose, at)
        })
        .collect();
    call::Entity::insert_many(calls)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// How much benchmark data to write.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Users.
    pub users: u32,
    /// Call purposes, appended after the existing ones.
    pub purposes: u32,
    /// Calls, spread over the new users and purposes.
    pub calls: u32,
}

/// Appends benchmark data in batched inserts, in one transaction. Calls
/// per purpose are skewed (a few purposes hold most calls) and about one
/// call in ten has no purpose.
pub async fn sized(db: &sea_orm::DatabaseConnection, sizes: Sizes) -> anyhow::Result<()> {
    anyhow::ensure!(
        sizes.users > 0 || sizes.calls == 0,
        "calls need at least one user"
    );
    anyhow::ensure!(
        sizes.users > 0 || sizes.purposes == 0,
        "purposes need a creator"
    );

    let txn = db.begin().await?;
    let at = now();
    let mut rng = StdRng::seed_from_u64(42);

    let first_user = next_id(&txn, user::Entity::find(), user::Column::Id).await?;
    let users = (0..sizes.users).map(|n| {
        let number = first_user + n as i64;
        user::ActiveModel {
            first_name: Set(format!("User{number}")),
            last_name: Set("Bench".into()),
            email: Set(format!("user{number}@bench.example.com")),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
    });
    insert_batches(&txn, users).await?;
    let user_ids: Vec<i32> =
        new_ids(&txn, user::Entity::find(), user::Column::Id, first_user).await?;

    let first_purpose =
        next_id(&txn, call_purpose::Entity::find(), call_purpose::Column::Id).await?;
    let next_order = next_id(
        &txn,
        call_purpose::Entity::find(),
        call_purpose::Column::DisplayOrder,
    )
    .await?;
    let purposes = (0..sizes.purposes)
        .map(|n| {
            let created = at - TimeDelta::minutes(i64::from(sizes.purposes - n));
            call_purpose::ActiveModel {
                name: Set(format!("Purpose {}", first_purpose + n as i64)),
                display_order: Set((next_order + n as i64) as i32),
                creator_id: Set(user_ids[rng.random_range(0..user_ids.len())]),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            }
        })
        .collect::<Vec<_>>();
    insert_batches(&txn, purposes).await?;
    let purpose_ids: Vec<i32> = new_ids(
        &txn,
        call_purpose::Entity::find(),
        call_purpose::Column::Id,
        first_purpose,
    )
    .await?;

    // PostgreSQL runs the call-count trigger as PL/pgSQL once per row, which
    // multiplies the time of a bulk load; off for the load (inside this
    // transaction only), then the counts are computed once.
    let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    if postgres {
        txn.execute_unprepared("ALTER TABLE calls DISABLE TRIGGER USER")
            .await?;
    }
    let mut remaining = sizes.calls as usize;
    while remaining > 0 {
        let chunk = remaining.min(BATCH);
        let calls: Vec<_> = (0..chunk)
            .map(|_| {
                let user = user_ids[rng.random_range(0..user_ids.len())];
                let purpose = skewed_purpose(&mut rng, &purpose_ids);
                random_call(&mut rng, user, purpose, at)
            })
            .collect();
        call::Entity::insert_many(calls)
            .exec_without_returning(&txn)
            .await?;
        remaining -= chunk;
    }
    if postgres {
        txn.execute_unprepared("ALTER TABLE calls ENABLE TRIGGER USER")
            .await?;
        txn.execute_unprepared(
            "UPDATE call_purposes SET calls_count = \
             (SELECT COUNT(*) FROM calls WHERE calls.call_purpose_id = call_purposes.id)",
        )
        .await?;
    }

    txn.commit().await?;
    refresh_statistics(db).await?;
    Ok(())
}

/// Brings the planner's statistics up to date after a bulk load, so that
/// the first queries on fresh benchmark data are planned as later ones will
/// be (and PostgreSQL's visibility map lets counts use index-only scans).
async fn refresh_statistics(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let statement = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        sea_orm::DbBackend::MySql => "ANALYZE TABLE users, call_purposes, calls",
        _ => "ANALYZE",
    };
    db.execute_unprepared(statement).await?;
    Ok(())
}

/// One more than the largest value of `column`, or 1 on an empty table.
async fn next_id<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    column: E::Column,
) -> Result<i64, sea_orm::DbErr> {
    let max: Option<Option<i32>> = select
        .select_only()
        .column_as(
            sea_orm::sea_query::Expr::from(sea_orm::sea_query::Func::max(
                sea_orm::sea_query::Expr::col(column),
            )),
            "max",
        )
        .into_tuple()
        .one(db)
        .await?;
    Ok(i64::from(max.flatten().unwrap_or(0)) + 1)
}

/// The ids at or above `first`, as just inserted.
async fn new_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    column: E::Column,
    first: i64,
) -> Result<Vec<i32>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    select
        .select_only()
        .column(column)
        .filter(column.gte(first))
        .into_tuple()
        .all(db)
        .await
}

async fn insert_batches<A, I>(db: &impl ConnectionTrait, rows: I) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait,
    I: IntoIterator<Item = A>,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        A::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A purpose with a heavy skew towards the first ones, or none one time in
/// ten.
fn skewed_purpose(rng: &mut StdRng, purpose_ids: &[i32]) -> Option<i32> {
    if purpose_ids.is_empty() || rng.random_ratio(1, 10) {
        return None;
    }
    let u: f64 = rng.random();
    let index = ((u * u * u) * purpose_ids.len() as f64) as usize;
    purpose_ids.get(index.min(purpose_ids.len() - 1)).copied()
}

fn random_call(
    rng: &mut StdRng,
    user_id: i32,
    purpose: Option<i32>,
    at: DateTime<Utc>,
) -> call::ActiveModel {
    const OUTCOMES: [&str; 4] = ["Answered", "No Answer", "Voicemail", "Busy"];
    let dialed = at - TimeDelta::seconds(rng.random_range(60..90 * 86_400));
    let outcome = OUTCOMES[rng.random_range(0..OUTCOMES.len())];
    let answered =
        (outcome == "Answered").then(|| dialed + TimeDelta::seconds(rng.random_range(3..30)));
    let completed = dialed + TimeDelta::seconds(rng.random_range(30..1800));
    call::ActiveModel {
        direction: Set(if rng.random_bool(0.7) {
            call::Direction::Outbound
        } else {
            call::Direction::Inbound
        }),
        outcome: Set(Some(outcome.into())),
        note: Set(rng
            .random_bool(0.3)
            .then(|| "Left details in the CRM.".to_owned())),
        dialed_at: Set(Some(dialed)),
        answered_at: Set(answered),
        completed_at: Set(Some(completed)),
        user_id: Set(user_id),
        call_purpose_id: Set(purpose),
        created_at: Set(completed),
        updated_at: Set(completed),
        ..Default::default()
    }
}
