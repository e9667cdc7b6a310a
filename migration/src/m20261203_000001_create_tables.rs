//! Users, call purposes and calls, with the constraints that guard them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Creates the three tables of SPEC §1.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                table(backend, Users::Table)
                    .col(pk(Users::Id))
                    .col(ColumnDef::new(Users::FirstName).string_len(255).not_null())
                    .col(ColumnDef::new(Users::LastName).string_len(255).not_null())
                    .col(
                        ColumnDef::new(Users::Email)
                            .string_len(255)
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(backend, Users::CreatedAt))
                    .col(timestamp(backend, Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // The name rule is checked by the domain layer before any write; the
        // CHECK repeats it so that no other writer can store a name the API
        // would refuse. `order` is UNIQUE so that the database itself refuses
        // a second purpose at a position, whatever bug might try.
        manager
            .create_table(
                table(backend, CallPurposes::Table)
                    .col(pk(CallPurposes::Id))
                    .col(name_column(backend))
                    .col(
                        ColumnDef::new(CallPurposes::DisplayOrder)
                            .integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(CallPurposes::CreatorId).integer().not_null())
                    .col(timestamp(backend, CallPurposes::CreatedAt))
                    .col(timestamp(backend, CallPurposes::UpdatedAt))
                    .check((
                        "call_purposes_name_length",
                        Expr::cust(name_length_check(backend)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_call_purposes_creator_id")
                            .from(CallPurposes::Table, CallPurposes::CreatorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_call_purposes_creator_id")
                    .table(CallPurposes::Table)
                    .col(CallPurposes::CreatorId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table(backend, Calls::Table)
                    .col(pk(Calls::Id))
                    .col(ColumnDef::new(Calls::Direction).string_len(8).not_null())
                    .col(ColumnDef::new(Calls::Outcome).string_len(255).null())
                    .col(ColumnDef::new(Calls::Note).text().null())
                    .col(nullable_timestamp(backend, Calls::DialedAt))
                    .col(nullable_timestamp(backend, Calls::AnsweredAt))
                    .col(nullable_timestamp(backend, Calls::CompletedAt))
                    .col(ColumnDef::new(Calls::UserId).integer().not_null())
                    .col(ColumnDef::new(Calls::CallPurposeId).integer().null())
                    .col(timestamp(backend, Calls::CreatedAt))
                    .col(timestamp(backend, Calls::UpdatedAt))
                    .check((
                        "calls_direction",
                        Expr::cust("direction IN ('INBOUND', 'OUTBOUND')"),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calls_user_id")
                            .from(Calls::Table, Calls::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calls_call_purpose_id")
                            .from(Calls::Table, Calls::CallPurposeId)
                            .to(CallPurposes::Table, CallPurposes::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calls_user_id")
                    .table(Calls::Table)
                    .col(Calls::UserId)
                    .to_owned(),
            )
            .await?;
        // Leading with the foreign key, this index also serves each
        // purpose's calls newest first without a sort.
        manager
            .create_index(
                Index::create()
                    .name("idx_calls_call_purpose_id_id")
                    .table(Calls::Table)
                    .col(Calls::CallPurposeId)
                    .col(Calls::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [Calls::Table.into_iden(), CallPurposes::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

/// A table statement with the options every table here shares: on MySQL,
/// InnoDB and full four-byte UTF-8 (emoji are valid names) compared byte for
/// byte, so that equality means the same on all three databases.
fn table(backend: DbBackend, name: impl IntoIden) -> TableCreateStatement {
    let mut statement = Table::create();
    statement.table(name);
    if backend == DbBackend::MySql {
        statement
            .engine("InnoDB")
            .character_set("utf8mb4")
            .collate("utf8mb4_bin");
    }
    statement
}

fn pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A UTC instant kept to the microsecond on every backend, so that a value
/// read back compares equal to the one written (optimistic concurrency
/// depends on it). MySQL's plain TIMESTAMP would drop the fraction.
fn timestamp(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    instant(backend, name).not_null().to_owned()
}

fn nullable_timestamp(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    instant(backend, name).null().to_owned()
}

fn instant(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => column.custom("DATETIME(6)"),
        _ => column.timestamp_with_time_zone(),
    };
    column
}

/// The purpose's name compares code point by code point on every backend
/// (PostgreSQL's "C" collation, MySQL's utf8mb4_bin, SQLite's BINARY), so
/// sorting and equality agree wherever the service runs.
fn name_column(backend: DbBackend) -> ColumnDef {
    let mut column = ColumnDef::new(CallPurposes::Name);
    column.string_len(255).not_null();
    if backend == DbBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

/// 1..=255 characters (not bytes), in each backend's own words.
fn name_length_check(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Sqlite => "length(name) BETWEEN 1 AND 255",
        _ => "char_length(name) BETWEEN 1 AND 255",
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    FirstName,
    LastName,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CallPurposes {
    Table,
    Id,
    Name,
    DisplayOrder,
    CreatorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    Direction,
    Outcome,
    Note,
    DialedAt,
    AnsweredAt,
    CompletedAt,
    UserId,
    CallPurposeId,
    CreatedAt,
    UpdatedAt,
}
