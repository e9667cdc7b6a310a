//! A logged call, optionally labelled with a purpose.

use sea_orm::entity::prelude::*;

/// One row of `calls`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    /// Database key, the `databaseId` clients know.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `INBOUND` or `OUTBOUND`.
    pub direction: Direction,
    /// Free-text outcome such as "Answered".
    pub outcome: Option<String>,
    /// Free-text note.
    pub note: Option<String>,
    /// When dialling started.
    pub dialed_at: Option<DateTimeUtc>,
    /// When the other side answered.
    pub answered_at: Option<DateTimeUtc>,
    /// When the call ended.
    pub completed_at: Option<DateTimeUtc>,
    /// The user who made or took the call.
    pub user_id: i32,
    /// The purpose, if the call has one; cleared when the purpose is deleted.
    pub call_purpose_id: Option<i32>,
    /// When the row was inserted (UTC).
    pub created_at: DateTimeUtc,
    /// When the row last changed (UTC).
    pub updated_at: DateTimeUtc,
}

/// Which side started a call.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Direction {
    /// The other party called in.
    #[sea_orm(string_value = "INBOUND")]
    Inbound,
    /// The user called out.
    #[sea_orm(string_value = "OUTBOUND")]
    Outbound,
}

/// Relations of a call.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user on the call.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
    /// The purpose, if any.
    #[sea_orm(
        belongs_to = "super::call_purpose::Entity",
        from = "Column::CallPurposeId",
        to = "super::call_purpose::Column::Id",
        on_delete = "SetNull"
    )]
    CallPurpose,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::call_purpose::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallPurpose.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
