//! A user: the creator of purposes and the owner of calls.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Database key, the `databaseId` clients know.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Unique e-mail address.
    #[sea_orm(unique)]
    pub email: String,
    /// When the row was inserted (UTC).
    pub created_at: DateTimeUtc,
    /// When the row last changed (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Purposes this user created.
    #[sea_orm(has_many = "super::call_purpose::Entity")]
    CallPurpose,
    /// Calls this user logged.
    #[sea_orm(has_many = "super::call::Entity")]
    Call,
}

impl Related<super::call_purpose::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallPurpose.def()
    }
}

impl Related<super::call::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
