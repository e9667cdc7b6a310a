//! A call purpose: one label of the collection.

use sea_orm::entity::prelude::*;

/// One row of `call_purposes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_purposes")]
pub struct Model {
    /// Database key, the `databaseId` clients know.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Label shown to sales teams, 1..=255 characters.
    pub name: String,
    /// Position in the collection; the rows hold 1..n, each exactly once.
    #[sea_orm(unique)]
    pub display_order: i32,
    /// The user who created the purpose.
    pub creator_id: i32,
    /// How many calls carry this purpose, kept by triggers on `calls`.
    pub calls_count: i32,
    /// When the row was inserted (UTC).
    pub created_at: DateTimeUtc,
    /// When the row last changed (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a call purpose.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The creator.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatorId",
        to = "super::user::Column::Id"
    )]
    Creator,
    /// Calls logged with this purpose.
    #[sea_orm(has_many = "super::call::Entity")]
    Call,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Creator.def()
    }
}

impl Related<super::call::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
