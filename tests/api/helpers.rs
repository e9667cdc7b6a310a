//! Test harness: a fresh database per test on each backend, the app
//! spawned on port 0 (in-process or as the real binary), and a client that
//! speaks GraphQL over HTTP.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use callpurpose_gateway::app::Application;
use callpurpose_gateway::config::{Cli, Command};
use chrono::{DateTime, Utc};
use clap::Parser as _;
use entity::{call, call_purpose};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::oneshot;

/// The HS256 secret every test server uses.
pub const SECRET: &str = "integration-test-secret-of-enough-length";

/// Where PostgreSQL and MariaDB answer; overridable for other machines.
fn admin_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        Backend::Mysql => std::env::var("TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        Backend::Sqlite => String::new(),
    }
}

/// The three databases the service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// Runs each test body once per listed backend, as tests named after them:
/// `backend_tests!([sqlite => Sqlite, mysql => Mysql] some_test)`.
///
/// Each test runs on a single-threaded runtime, server and client alike;
/// parallelism comes from running many tests at once.
#[macro_export]
macro_rules! backend_tests {
    (@each $test:ident [$($name:ident => $backend:ident),+ $(,)?]) => {$(
        #[tokio::test]
        async fn $name() {
            super::$test($crate::helpers::Backend::$backend).await
        }
    )+};
    ($backends:tt $($test:ident),* $(,)?) => {$(
        mod $test {
            $crate::backend_tests!(@each $test $backends);
        }
    )*};
}

/// Runs each test body on SQLite, PostgreSQL and MariaDB.
#[macro_export]
macro_rules! each_backend {
    ($($test:ident),* $(,)?) => {
        $crate::backend_tests!(
            [sqlite => Sqlite, postgres => Postgres, mysql => Mysql]
            $($test),*
        );
    };
}

/// Runs each test body on the databases reached over the network (SQLite
/// has no server to lose or lock out).
#[macro_export]
macro_rules! each_server_backend {
    ($($test:ident),* $(,)?) => {
        $crate::backend_tests!([postgres => Postgres, mysql => Mysql] $($test),*);
    };
}

/// A database of the test's own, dropped when the test ends.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    name: String,
    /// Whether dropping this value drops the database.
    owner: bool,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let name = format!("cpg_{}", uuid_like());
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                TestDb {
                    backend,
                    url,
                    name,
                    owner: true,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres | Backend::Mysql => {
                let admin = admin_url(backend);
                let conn = Database::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("{backend:?} must answer at {admin}: {e}"));
                let create = match backend {
                    Backend::Mysql => {
                        format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                    }
                    _ => format!("CREATE DATABASE {name}"),
                };
                conn.execute_unprepared(&create)
                    .await
                    .expect("creating the test database");
                let _ = conn.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .unwrap_or(&admin);
                TestDb {
                    backend,
                    url: format!("{base}/{name}"),
                    name,
                    owner: true,
                    _dir: None,
                }
            }
        }
    }

    /// Another handle on the same database, reached at `url` (a proxy, say);
    /// dropping it leaves the database alone.
    pub fn alias(&self, url: String) -> TestDb {
        TestDb {
            backend: self.backend,
            url,
            name: self.name.clone(),
            owner: false,
            _dir: None,
        }
    }

    /// A direct connection, for arranging data and inspecting results.
    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connecting to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.backend == Backend::Sqlite || !self.owner {
            return;
        }
        let admin = admin_url(self.backend);
        let drop = match self.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            _ => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        // Drop runs outside async code: a small runtime of its own does it.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(conn) = Database::connect(&admin).await {
                        let _ = conn.execute_unprepared(&drop).await;
                        let _ = conn.close().await;
                    }
                });
            }
        })
        .join();
    }
}

fn uuid_like() -> String {
    use rand::Rng as _;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: SocketAddr,
    pub db: TestDb,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Spawns the app on a fresh database with the demo data.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// Spawns the app on a fresh database, with extra `serve` flags.
    pub async fn spawn_with(backend: Backend, flags: &[&str]) -> TestApp {
        let db = TestDb::new(backend).await;
        Self::spawn_on(db, flags).await
    }

    /// Spawns the app on an existing database.
    pub async fn spawn_on(db: TestDb, flags: &[&str]) -> TestApp {
        let mut args = vec![
            "callpurpose-gateway",
            "--database-url",
            &db.url,
            "--database-max-connections",
            "4",
            "serve",
            "--port",
            "0",
            "--jwt-secret",
            SECRET,
        ];
        args.extend_from_slice(flags);
        let cli = Cli::parse_from(args);
        let Some(Command::Serve(serve)) = cli.command else {
            unreachable!("the arguments name `serve`");
        };

        let app = Application::build(&cli.common, &serve)
            .await
            .expect("the app starts");
        let address = app.address().expect("a bound address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = signal.await;
        }));

        TestApp {
            address,
            db,
            client: reqwest::Client::new(),
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Begins a graceful shutdown; the returned handle completes when the
    /// server has drained and closed its pool.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<anyhow::Result<()>> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.server.take().expect("the server runs")
    }

    /// Posts a query with a token for the demo user holding every scope.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let token = token(1, "callPurposes.all");
        self.query_as(Some(&token), query, variables).await
    }

    /// Posts a query with the given token (or none); returns the JSON body.
    pub async fn query_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        assert!(
            response.status().is_success(),
            "status {}",
            response.status()
        );
        response.json().await.expect("a JSON body")
    }

    /// Like `query`, but the response must be free of errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.query(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// SQL statements the server has executed so far, read from /metrics.
    pub async fn statements(&self) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|line| line.strip_prefix("callpurpose_sql_statements_total "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the statement counter")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A token for `user` with `scopes`, valid for an hour.
pub fn token(user: i32, scopes: &str) -> String {
    callpurpose_gateway::auth::mint(SECRET, user, scopes, Duration::from_secs(3600))
        .expect("minting a token")
}

/// The codes of a response's errors, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The real binary, started as a user would, on port 0.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub address: SocketAddr,
}

impl ServerProcess {
    pub async fn start(database_url: &str, extra_env: &[(&str, &str)]) -> ServerProcess {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_callpurpose-gateway"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("PORT", "0")
            .env("JWT_SECRET", SECRET)
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");

        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(event) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if event["message"] == "listening" {
                    return event["address"].as_str().and_then(|a| a.parse().ok());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("the binary logs the address it listens on");
        // Keep draining the log so that the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        ServerProcess { child, address }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends SIGTERM, as an orchestrator stopping the service would.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("a running child");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

/// Inserts the given purposes (name, created and updated time) after the
/// existing ones, created by the demo user; returns their ids.
pub async fn insert_purposes(
    conn: &DatabaseConnection,
    purposes: &[(String, DateTime<Utc>, DateTime<Utc>)],
) -> Vec<i32> {
    let existing = call_purpose::Entity::find()
        .all(conn)
        .await
        .expect("purposes")
        .len() as i32;
    let mut ids = Vec::new();
    for (offset, (name, created, updated)) in purposes.iter().enumerate() {
        let model = call_purpose::ActiveModel {
            name: Set(name.clone()),
            display_order: Set(existing + offset as i32 + 1),
            creator_id: Set(1),
            created_at: Set(*created),
            updated_at: Set(*updated),
            ..Default::default()
        };
        ids.push(
            call_purpose::Entity::insert(model)
                .exec(conn)
                .await
                .expect("insert")
                .last_insert_id,
        );
    }
    ids
}

/// Inserts `count` calls for `purpose` by the demo user; returns their ids.
pub async fn insert_calls(
    conn: &DatabaseConnection,
    purpose: Option<i32>,
    count: usize,
) -> Vec<i32> {
    let now = callpurpose_gateway::db::now();
    let mut ids = Vec::new();
    for _ in 0..count {
        let model = call::ActiveModel {
            direction: Set(call::Direction::Outbound),
            outcome: Set(Some("Answered".into())),
            user_id: Set(1),
            call_purpose_id: Set(purpose),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        ids.push(
            call::Entity::insert(model)
                .exec(conn)
                .await
                .expect("insert")
                .last_insert_id,
        );
    }
    ids
}
