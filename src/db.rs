//! Database connections: one URL picks SQLite, PostgreSQL or MySQL.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// A pool plus the count of SQL statements it has executed, which
/// `/metrics` publishes and the tests use to hold the statement budget.
#[derive(Clone, Debug)]
pub struct Db {
    /// The SeaORM connection pool.
    pub conn: DatabaseConnection,
    /// SQL statements executed through `conn` since start.
    pub statements: Arc<AtomicU64>,
}

impl Db {
    /// Connects to `url`. An SQLite file's folder is created if missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if let Some(folder) = sqlite_folder(url) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating the folder {}", folder.display()))?;
        }

        let mut options = ConnectOptions::new(url);
        options
            .max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false)
            // A connection the database dropped (a restart, a failover) is
            // noticed before a request gets it, so /ready recovers by itself.
            .test_before_acquire(true)
            .map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        let mut conn = Database::connect(options)
            .await
            .with_context(|| format!("connecting to {}", redact(url)))?;

        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            // Off unless asked for (RUST_LOG=callpurpose_gateway::sql=trace):
            // the benchmark replays these statements with pgbench.
            tracing::trace!(
                target: "callpurpose_gateway::sql",
                elapsed_us = info.elapsed.as_micros() as u64,
                statement = %info.statement,
            );
        });
        Ok(Db { conn, statements })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None)
            .await
            .context("applying migrations")
    }

    /// SQL statements executed so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// The folder an `sqlite:` URL's file lives in, if it names one.
fn sqlite_folder(url: &str) -> Option<&Path> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
}

/// The URL without its password, for logs and error messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// The current instant, cut to the microsecond that every backend stores,
/// so that what is written reads back equal.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound as _, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_folders_come_from_the_url_path() {
        let cases = [
            ("sqlite://data/x.db?mode=rwc", Some("data")),
            ("sqlite:///tmp/a/b.db", Some("/tmp/a")),
            ("sqlite:x.db", None),
            ("sqlite::memory:", None),
            ("postgres://localhost/test", None),
        ];
        for (url, folder) in cases {
            assert_eq!(sqlite_folder(url), folder.map(Path::new), "url {url}");
        }
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
