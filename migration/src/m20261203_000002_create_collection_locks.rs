//! One row per ordered collection, locked by every mutation that changes
//! the orders, so that those mutations run one at a time across all
//! connections and all processes, on every backend.

use sea_orm_migration::prelude::*;

/// Creates `collection_locks` with the row of the call purposes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CollectionLocks::Table)
                    .col(
                        ColumnDef::new(CollectionLocks::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CollectionLocks::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CollectionLocks::Table)
                    .columns([CollectionLocks::Name, CollectionLocks::Version])
                    .values_panic(["call_purposes".into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CollectionLocks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CollectionLocks {
    Table,
    Name,
    Version,
}
