//! Schema migrations of the call purpose gateway, one module per step.
//!
//! The service applies them at start; the `migration` binary and the
//! service's `migrate` subcommand run them by hand.

pub use sea_orm_migration::prelude::*;

mod m20261203_000001_create_tables;
mod m20261203_000002_create_collection_locks;
mod m20261203_000003_add_calls_count;

/// Every migration of the project, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261203_000001_create_tables::Migration),
            Box::new(m20261203_000002_create_collection_locks::Migration),
            Box::new(m20261203_000003_add_calls_count::Migration),
        ]
    }
}
