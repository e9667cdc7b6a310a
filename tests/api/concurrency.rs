//! The ordering invariant under concurrent writers: two server processes on
//! one database, eight clients sending random mutations through HTTP.
//!
//! `STRESS_OPS=5000 cargo test --test api concurrency` turns it into a soak.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, ServerProcess, TestDb, token};
use crate::mutations::{assert_dense, global, stored};

const CLIENTS: usize = 8;

/// What the clients were told succeeded.
#[derive(Default)]
struct Ledger {
    created: HashSet<i32>,
    deleted: HashSet<i32>,
    /// Every name a create or rename reported as set, per purpose.
    names: HashMap<i32, HashSet<String>>,
    internal_errors: Vec<Value>,
}

async fn send(client: &reqwest::Client, url: &str, query: &str, variables: Value) -> Value {
    client
        .post(url)
        .bearer_auth(token(1, "callPurposes.all"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

fn succeeded(body: &Value, field: &str) -> bool {
    body.get("errors").is_none()
        && body["data"][field]["userErrors"]
            .as_array()
            .is_some_and(Vec::is_empty)
}

async fn run_client(
    seed: u64,
    ops: usize,
    urls: Vec<String>,
    known: Vec<i32>,
    ledger: Arc<Mutex<Ledger>>,
) {
    let client = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut known = known;

    for op in 0..ops {
        let url = &urls[rng.random_range(0..urls.len())];
        let target = known[rng.random_range(0..known.len())];
        let body = match rng.random_range(0..10) {
            0..=2 => {
                let name = format!("c{seed}-{op}");
                let order = rng.random_range(0..14);
                let order = (order > 0).then_some(order);
                let body = send(
                    &client,
                    url,
                    "mutation($i: CreateCallPurposeInput!) { createCallPurpose(input: $i) {
                        callPurpose { databaseId } userErrors { code } } }",
                    json!({ "i": { "name": name, "order": order } }),
                )
                .await;
                if succeeded(&body, "createCallPurpose") {
                    let id = body["data"]["createCallPurpose"]["callPurpose"]["databaseId"]
                        .as_i64()
                        .unwrap_or(0) as i32;
                    known.push(id);
                    let mut ledger = ledger.lock().expect("ledger");
                    ledger.created.insert(id);
                    ledger.names.entry(id).or_default().insert(name);
                }
                body
            }
            3..=5 => {
                let order = rng.random_range(1..14);
                send(&client, url,
                    "mutation($i: UpdateCallPurposeInput!) { updateCallPurpose(input: $i) { userErrors { code } } }",
                    json!({ "i": { "id": global(target), "order": order } })).await
            }
            6 => {
                let name = format!("r{seed}-{op}");
                let body = send(&client, url,
                    "mutation($i: UpdateCallPurposeInput!) { updateCallPurpose(input: $i) { userErrors { code } } }",
                    json!({ "i": { "id": global(target), "name": name } })).await;
                if succeeded(&body, "updateCallPurpose") {
                    ledger
                        .lock()
                        .expect("ledger")
                        .names
                        .entry(target)
                        .or_default()
                        .insert(name);
                }
                body
            }
            7..=8 => {
                let body = send(&client, url,
                    "mutation($i: DeleteCallPurposeInput!) { deleteCallPurpose(input: $i) { userErrors { code } } }",
                    json!({ "i": { "id": global(target) } })).await;
                if succeeded(&body, "deleteCallPurpose") {
                    ledger.lock().expect("ledger").deleted.insert(target);
                }
                body
            }
            _ => {
                let list = send(
                    &client,
                    url,
                    "{ callPurposes(first: 1000) { edges { node { id } } } }",
                    json!({}),
                )
                .await;
                let mut ids: Vec<Value> = list["data"]["callPurposes"]["edges"]
                    .as_array()
                    .map(|edges| edges.iter().map(|e| e["node"]["id"].clone()).collect())
                    .unwrap_or_default();
                ids.shuffle(&mut rng);
                send(&client, url,
                    "mutation($i: ReorderCallPurposesInput!) { reorderCallPurposes(input: $i) { userErrors { code } } }",
                    json!({ "i": { "ids": ids } })).await
            }
        };
        if body.get("errors").is_some() {
            ledger.lock().expect("ledger").internal_errors.push(body);
        }
    }
}

async fn concurrent_writers_on_two_processes_keep_orders_dense_and_lose_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let first = ServerProcess::start(&db.url, &[]).await;
    let second = ServerProcess::start(&db.url, &[]).await;
    let urls = vec![first.url("/graphql"), second.url("/graphql")];
    let conn = db.connect().await;
    let initial = stored(&conn).await;
    let initial_ids: Vec<i32> = initial.iter().map(|(id, _, _)| *id).collect();
    let ops = std::env::var("STRESS_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let clients: Vec<_> = (0..CLIENTS as u64)
        .map(|seed| {
            tokio::spawn(run_client(
                seed,
                ops,
                urls.clone(),
                initial_ids.clone(),
                ledger.clone(),
            ))
        })
        .collect();
    for client in clients {
        client.await.expect("the client finishes");
    }

    let rows = stored(&conn).await;
    let ledger = ledger.lock().expect("ledger");
    assert!(
        ledger.internal_errors.is_empty(),
        "top-level errors: {:#?}",
        ledger.internal_errors
    );
    assert_dense(&rows, "after the storm");
    let found: HashSet<i32> = rows.iter().map(|(id, _, _)| *id).collect();
    let expected: HashSet<i32> = initial_ids
        .iter()
        .chain(&ledger.created)
        .filter(|id| !ledger.deleted.contains(id))
        .copied()
        .collect();
    assert_eq!(
        found, expected,
        "every reported create and delete is reflected, nothing else"
    );
    assert_eq!(rows.len(), found.len(), "no purpose twice");
    for (id, _, name) in &rows {
        let original = initial
            .iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, _, n)| n.clone());
        let reported = ledger
            .names
            .get(id)
            .is_some_and(|names| names.contains(name));
        assert!(
            reported || original.as_ref() == Some(name),
            "purpose {id} holds a name nobody set: {name}"
        );
    }
    assert!(
        ledger.created.len() > 5 && ledger.deleted.len() > 5,
        "the mix did write"
    );
}

each_backend!(concurrent_writers_on_two_processes_keep_orders_dense_and_lose_nothing);
