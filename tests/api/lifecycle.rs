//! Start-up, migrations, seeding, readiness and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use entity::{call, call_purpose, user};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

use crate::helpers::{Backend, ServerProcess, TestApp, TestDb, token};
use crate::{each_backend, each_server_backend};

/// Runs the real binary with `args` on `url` and returns its stdout.
async fn run(url: &str, args: &[&str]) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_callpurpose-gateway"))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .await
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "`{}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn table_exists(conn: &DatabaseConnection) -> bool {
    call_purpose::Entity::find().count(conn).await.is_ok()
}

async fn migrations_go_up_down_and_up_again(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.connect().await;

    run(&db.url, &["migrate", "up"]).await;
    assert!(table_exists(&conn).await, "tables exist after up");
    assert!(
        run(&db.url, &["migrate", "status"])
            .await
            .contains("Applied")
    );

    run(&db.url, &["migrate", "down"]).await;
    run(&db.url, &["migrate", "down"]).await;
    assert!(
        !table_exists(&conn).await,
        "tables are gone after both downs"
    );
    assert!(
        run(&db.url, &["migrate", "status"])
            .await
            .contains("Pending")
    );

    run(&db.url, &["migrate", "up"]).await;
    assert!(
        table_exists(&conn).await,
        "tables exist after the second up"
    );
}

async fn the_demo_set_is_written_on_the_first_start_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.connect().await;
    let mut first = TestApp::spawn_on(db.alias(db.url.clone()), &[]).await;
    let purposes_after_first = call_purpose::Entity::find()
        .count(&conn)
        .await
        .expect("count");
    first
        .begin_shutdown()
        .await
        .expect("joined")
        .expect("clean stop");

    let second = TestApp::spawn_on(db.alias(db.url.clone()), &[]).await;

    assert_eq!(purposes_after_first, 10, "the demo collection");
    assert_eq!(
        call_purpose::Entity::find()
            .count(&conn)
            .await
            .expect("count"),
        10
    );
    assert_eq!(user::Entity::find().count(&conn).await.expect("count"), 1);
    let orders: Vec<i32> = call_purpose::Entity::find()
        .order_by_asc(call_purpose::Column::DisplayOrder)
        .all(&conn)
        .await
        .expect("purposes")
        .iter()
        .map(|p| p.display_order)
        .collect();
    assert_eq!(orders, (1..=10).collect::<Vec<_>>());
    drop(second);
}

async fn seeding_with_sizes_writes_exactly_those_sizes(backend: Backend) {
    let db = TestDb::new(backend).await;

    run(
        &db.url,
        &[
            "seed",
            "--users",
            "25",
            "--purposes",
            "40",
            "--calls",
            "3000",
        ],
    )
    .await;

    let conn = db.connect().await;
    assert_eq!(user::Entity::find().count(&conn).await.expect("count"), 25);
    assert_eq!(
        call_purpose::Entity::find()
            .count(&conn)
            .await
            .expect("count"),
        40
    );
    assert_eq!(
        call::Entity::find().count(&conn).await.expect("count"),
        3000
    );
    let without_purpose = call::Entity::find()
        .filter(call::Column::CallPurposeId.is_null())
        .count(&conn)
        .await
        .expect("count");
    assert!(
        (100..900).contains(&without_purpose),
        "about a tenth: {without_purpose}"
    );
    let busiest = call::Entity::find()
        .filter(call::Column::CallPurposeId.eq(1))
        .count(&conn)
        .await
        .expect("count");
    assert!(
        busiest > 3000 / 40 * 3,
        "calls are skewed to the first purposes: {busiest}"
    );
}

each_backend!(
    migrations_go_up_down_and_up_again,
    the_demo_set_is_written_on_the_first_start_only,
    seeding_with_sizes_writes_exactly_those_sizes,
);

/// A TCP proxy in front of the database that the test can cut and restore,
/// as a network partition or a database restart would.
struct Proxy {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        let open = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let (gate, tasks) = (open.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !gate.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection close
                }
                tasks.lock().await.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Proxy {
            address,
            open,
            connections,
        }
    }

    async fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

async fn ready_answers_503_while_the_database_is_unreachable_and_recovers(backend: Backend) {
    let db = TestDb::new(backend).await;
    let port = if backend == Backend::Postgres {
        5432
    } else {
        3306
    };
    let proxy = Proxy::start(SocketAddr::from(([127, 0, 0, 1], port))).await;
    let proxied_url = db.url.replacen(
        &format!(":{port}/"),
        &format!(":{}/", proxy.address.port()),
        1,
    );
    let app = TestApp::spawn_on(db.alias(proxied_url), &[]).await;
    let ready = || async {
        app.client
            .get(app.url("/ready"))
            .send()
            .await
            .expect("an answer")
    };
    assert_eq!(
        ready().await.status(),
        StatusCode::OK,
        "ready before the cut"
    );

    proxy.cut().await;
    let during = ready().await;
    let health = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("an answer");
    proxy.restore();
    let mut after = ready().await.status();
    for _ in 0..20 {
        if after == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = ready().await.status();
    }

    assert_eq!(during.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = during.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "health does not touch the database"
    );
    assert_eq!(after, StatusCode::OK, "ready again without a restart");
    drop(db);
}

/// Holds a lock that blocks every read of `call_purposes` until released.
async fn lock_purposes(db: &TestDb) -> sea_orm::DatabaseTransaction {
    let conn = db.connect().await;
    let txn = conn.begin().await.expect("a transaction");
    let lock = match db.backend {
        Backend::Postgres => "LOCK TABLE call_purposes IN ACCESS EXCLUSIVE MODE",
        _ => "LOCK TABLES call_purposes WRITE",
    };
    txn.execute_unprepared(lock).await.expect("the lock");
    txn
}

async fn release(db: &TestDb, txn: sea_orm::DatabaseTransaction) {
    if db.backend == Backend::Mysql {
        txn.execute_unprepared("UNLOCK TABLES")
            .await
            .expect("unlock");
    }
    txn.commit().await.expect("commit");
}

async fn a_request_in_flight_when_sigterm_arrives_completes(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut server = ServerProcess::start(&db.url, &[]).await;
    let client = reqwest::Client::new();
    let lock = lock_purposes(&db).await;

    let request = client
        .post(server.url("/graphql"))
        .bearer_auth(token(1, "callPurposes.read"))
        .json(&json!({ "query": "{ callPurposes(first: 1) { edges { node { name } } } }" }))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still_running = server.child.try_wait().expect("status").is_none();
    release(&db, lock).await;
    let response = in_flight
        .await
        .expect("joined")
        .expect("the request is answered");
    let exit = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the server stops")
        .expect("an exit status");

    assert!(still_running, "the server waits for the request in flight");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["data"]["callPurposes"]["edges"][0]["node"]["name"],
        "Initial Contact"
    );
    assert!(exit.success(), "a clean exit: {exit:?}");
}

async fn a_request_over_the_time_limit_gets_503(backend: Backend) {
    let app = TestApp::spawn_with(backend, &["--request-timeout", "700ms"]).await;
    let lock = lock_purposes(&app.db).await;

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token(1, "callPurposes.read"))
        .json(&json!({ "query": "{ callPurposes { edges { node { name } } } }" }))
        .send()
        .await
        .expect("an answer");
    release(&app.db, lock).await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

each_server_backend!(
    ready_answers_503_while_the_database_is_unreachable_and_recovers,
    a_request_in_flight_when_sigterm_arrives_completes,
    a_request_over_the_time_limit_gets_503,
);
