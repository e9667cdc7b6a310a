//! DataLoaders, one set per request: every relationship and id look-up
//! goes through them, so a page costs the same few statements whatever its
//! size. Each caches what it loaded for the rest of the request, which is
//! where `prefetch` leaves the rows it loads ahead.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{call, call_purpose, user};
use sea_orm::{DatabaseConnection, DbErr};

use crate::store::page::Page;
use crate::store::{self, calls::CallWindow};

/// Keys per statement. Generous, so that a page of 1000 purposes with 10
/// calls each still loads their users in one statement, and below every
/// backend's limit on bound parameters.
const MAX_BATCH: usize = 10_000;

// The loaders do not wait for a batch to fill: the lists that matter are
// prefetched whole (see `prefetch`), and a wait would be paid at every
// level of nesting. Siblings that ask outside a prefetch still share a
// batch when they ask within one poll of the request.

/// The loaders of one request.
pub struct Loaders {
    /// Users by id.
    pub users: DataLoader<UserLoader, HashMapCache>,
    /// Call purposes by id.
    pub purposes: DataLoader<PurposeLoader, HashMapCache>,
    /// Calls by id.
    pub calls: DataLoader<CallLoader, HashMapCache>,
    /// A page of each purpose's calls.
    pub call_pages: DataLoader<CallPageLoader, HashMapCache>,
}

impl Loaders {
    /// Fresh loaders over `conn`.
    pub fn new(conn: &DatabaseConnection) -> Loaders {
        fn loader<L: Send + Sync + 'static>(inner: L) -> DataLoader<L, HashMapCache> {
            DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default())
                .max_batch_size(MAX_BATCH)
                .delay(std::time::Duration::ZERO)
        }
        Loaders {
            users: loader(UserLoader(conn.clone())),
            purposes: loader(PurposeLoader(conn.clone())),
            calls: loader(CallLoader(conn.clone())),
            call_pages: loader(CallPageLoader(conn.clone())),
        }
    }
}

/// The values of `keys`: those the loader's cache lacks are loaded now, in
/// one statement, and left in the cache for the resolvers. What `prefetch`
/// uses, since it already holds every key and gains nothing from waiting
/// for a batch to fill.
pub async fn prime<K, L>(
    loader: &DataLoader<L, HashMapCache>,
    keys: &[K],
) -> Result<HashMap<K, L::Value>, L::Error>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: Loader<K>,
{
    let cached = loader.get_cached_values::<K>();
    let missing: Vec<K> = keys
        .iter()
        .filter(|key| !cached.contains_key(key))
        .cloned()
        .collect();
    let mut values = if missing.is_empty() {
        HashMap::new()
    } else {
        let loaded = loader.loader().load(&missing).await?;
        loader.feed_many(loaded.clone()).await;
        loaded
    };
    for key in keys {
        if let Some(value) = cached.get(key) {
            values.insert(key.clone(), value.clone());
        }
    }
    Ok(values)
}

/// Loads users by id.
pub struct UserLoader(DatabaseConnection);

impl Loader<i32> for UserLoader {
    type Value = Arc<user::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = store::users::by_ids(&self.0, keys).await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, Arc::new(row)))
            .collect())
    }
}

/// Loads call purposes by id.
pub struct PurposeLoader(DatabaseConnection);

impl Loader<i32> for PurposeLoader {
    type Value = Arc<call_purpose::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = store::purposes::by_ids(&self.0, keys).await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, Arc::new(row)))
            .collect())
    }
}

/// Loads calls by id.
pub struct CallLoader(DatabaseConnection);

impl Loader<i32> for CallLoader {
    type Value = Arc<call::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = store::calls::by_ids(&self.0, keys).await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, Arc::new(row)))
            .collect())
    }
}

/// Loads a page of calls per purpose: one statement per distinct window,
/// which in practice is one per query since sibling purposes share their
/// arguments.
pub struct CallPageLoader(DatabaseConnection);

impl Loader<(i32, CallWindow)> for CallPageLoader {
    type Value = Page<Arc<call::Model>>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(i32, CallWindow)],
    ) -> Result<HashMap<(i32, CallWindow), Self::Value>, Self::Error> {
        let mut by_window: HashMap<&CallWindow, Vec<i32>> = HashMap::new();
        for (purpose, window) in keys {
            by_window.entry(window).or_default().push(*purpose);
        }

        let mut pages = HashMap::with_capacity(keys.len());
        for (window, purposes) in by_window {
            let found = store::calls::pages_for_purposes(&self.0, &purposes, window).await?;
            for (purpose, page) in found {
                pages.insert((purpose, window.clone()), page.map(Arc::new));
            }
        }
        Ok(pages)
    }
}
