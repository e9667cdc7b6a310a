//! A count of each purpose's calls, kept by the database itself.
//!
//! Every page of purposes shows how many calls each has; counting them at
//! read time walked tens of thousands of index entries per page. Triggers on
//! `calls` keep the count exact whoever writes the calls, so reading it is
//! reading a column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Adds `call_purposes.calls_count`, fills it and installs its triggers.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CallPurposes::Table)
                    .add_column(
                        ColumnDef::new(CallPurposes::CallsCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;

        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "UPDATE call_purposes SET calls_count = \
                 (SELECT COUNT(*) FROM calls WHERE calls.call_purpose_id = call_purposes.id)",
            )
            .await?;
        for statement in triggers(manager.get_database_backend()) {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for statement in drop_triggers(manager.get_database_backend()) {
            connection.execute_unprepared(statement).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CallPurposes::Table)
                    .drop_column(CallPurposes::CallsCount)
                    .to_owned(),
            )
            .await
    }
}

/// The triggers, in each backend's dialect. A call that moves between
/// purposes counts down on one and up on the other; `WHERE id = NULL`
/// matches nothing, so calls without a purpose count nowhere.
fn triggers(backend: DbBackend) -> &'static [&'static str] {
    match backend {
        DbBackend::Postgres => &[
            "CREATE FUNCTION calls_count_maintain() RETURNS trigger AS $$
             BEGIN
               IF TG_OP IN ('DELETE', 'UPDATE') THEN
                 UPDATE call_purposes SET calls_count = calls_count - 1
                  WHERE id = OLD.call_purpose_id;
               END IF;
               IF TG_OP IN ('INSERT', 'UPDATE') THEN
                 UPDATE call_purposes SET calls_count = calls_count + 1
                  WHERE id = NEW.call_purpose_id;
               END IF;
               RETURN NULL;
             END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER calls_count_insert_delete AFTER INSERT OR DELETE ON calls
             FOR EACH ROW EXECUTE FUNCTION calls_count_maintain()",
            "CREATE TRIGGER calls_count_update AFTER UPDATE OF call_purpose_id ON calls
             FOR EACH ROW WHEN (OLD.call_purpose_id IS DISTINCT FROM NEW.call_purpose_id)
             EXECUTE FUNCTION calls_count_maintain()",
        ],
        DbBackend::MySql => &[
            "CREATE TRIGGER calls_count_insert AFTER INSERT ON calls FOR EACH ROW
             UPDATE call_purposes SET calls_count = calls_count + 1
              WHERE id = NEW.call_purpose_id",
            "CREATE TRIGGER calls_count_delete AFTER DELETE ON calls FOR EACH ROW
             UPDATE call_purposes SET calls_count = calls_count - 1
              WHERE id = OLD.call_purpose_id",
            "CREATE TRIGGER calls_count_update AFTER UPDATE ON calls FOR EACH ROW
             BEGIN
               IF NOT (NEW.call_purpose_id <=> OLD.call_purpose_id) THEN
                 UPDATE call_purposes SET calls_count = calls_count - 1
                  WHERE id = OLD.call_purpose_id;
                 UPDATE call_purposes SET calls_count = calls_count + 1
                  WHERE id = NEW.call_purpose_id;
               END IF;
             END",
        ],
        _ => &[
            "CREATE TRIGGER calls_count_insert AFTER INSERT ON calls
             BEGIN
               UPDATE call_purposes SET calls_count = calls_count + 1
                WHERE id = NEW.call_purpose_id;
             END",
            "CREATE TRIGGER calls_count_delete AFTER DELETE ON calls
             BEGIN
               UPDATE call_purposes SET calls_count = calls_count - 1
                WHERE id = OLD.call_purpose_id;
             END",
            "CREATE TRIGGER calls_count_update AFTER UPDATE OF call_purpose_id ON calls
             WHEN NEW.call_purpose_id IS NOT OLD.call_purpose_id
             BEGIN
               UPDATE call_purposes SET calls_count = calls_count - 1
                WHERE id = OLD.call_purpose_id;
               UPDATE call_purposes SET calls_count = calls_count + 1
                WHERE id = NEW.call_purpose_id;
             END",
        ],
    }
}

fn drop_triggers(backend: DbBackend) -> &'static [&'static str] {
    match backend {
        DbBackend::Postgres => &[
            "DROP TRIGGER IF EXISTS calls_count_insert_delete ON calls",
            "DROP TRIGGER IF EXISTS calls_count_update ON calls",
            "DROP FUNCTION IF EXISTS calls_count_maintain()",
        ],
        _ => &[
            "DROP TRIGGER IF EXISTS calls_count_insert",
            "DROP TRIGGER IF EXISTS calls_count_delete",
            "DROP TRIGGER IF EXISTS calls_count_update",
        ],
    }
}

#[derive(DeriveIden)]
enum CallPurposes {
    Table,
    CallsCount,
}
