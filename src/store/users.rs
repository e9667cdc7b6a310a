//! Reading users.

use entity::user::{Column, Entity, Model};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The users with these ids (missing ids are simply absent).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}
