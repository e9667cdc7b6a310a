//! The statement budget: a page costs the same few SQL statements whatever
//! its size, because every relationship is batched.

use callpurpose_gateway::seed::{self, Sizes};
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, TestApp};

/// The main frontend query: a page of purposes with creators and each
/// purpose's ten newest calls with their users.
const NESTED_PAGE: &str = "query($n: Int!) {
    callPurposes(first: $n) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node {
            id databaseId name order createdAt updatedAt canWrite canDelete
            creator { id name email }
            calls(first: 10) {
                totalCount
                pageInfo { hasNextPage endCursor }
                edges { cursor node { id direction outcome dialedAt user { id name } } }
            }
        } }
    }
}";

/// Runs `query` and returns the SQL statements it cost.
async fn statements_for(app: &TestApp, query: &str, variables: Value) -> u64 {
    let before = app.statements().await;
    app.data(query, variables).await;
    app.statements().await - before
}

async fn arrange(backend: Backend) -> TestApp {
    let app = TestApp::spawn_with(backend, &["--no-demo-data"]).await;
    let conn = app.db.connect().await;
    seed::sized(
        &conn,
        Sizes {
            users: 40,
            purposes: 1000,
            calls: 12_000,
        },
    )
    .await
    .expect("seeding");
    app
}

async fn a_nested_page_costs_the_same_statements_at_every_size(backend: Backend) {
    let app = arrange(backend).await;

    let mut counts = Vec::new();
    for n in [1, 10, 50, 200, 1000] {
        counts.push((
            n,
            statements_for(&app, NESTED_PAGE, json!({ "n": n })).await,
        ));
    }

    let first = counts[0].1;
    assert!(
        counts.iter().all(|(_, c)| *c == first),
        "statements per page size: {counts:?}"
    );
    // The viewer, the page, its count, every purpose's calls, and the
    // creators with the calls' users.
    assert_eq!(first, 5, "a small constant: {counts:?}");
    eprintln!("{backend:?} nested page statements: {counts:?}");
}

fn global(kind: &str, id: i32) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn a_thousand_nodes_or_entities_cost_one_statement_per_type(backend: Backend) {
    let app = arrange(backend).await;
    let ids: Vec<String> = (1..=1000)
        .map(|n| match n % 3 {
            0 => global("CallPurpose", n),
            1 => global("User", n % 40 + 1),
            _ => global("Call", n),
        })
        .collect();
    let representations: Vec<Value> = (1..=1000)
        .map(|n| json!({ "__typename": "CallPurpose", "id": global("CallPurpose", n) }))
        .collect();

    let nodes = statements_for(
        &app,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on CallPurpose { name creator { name } } } }",
        json!({ "ids": ids }),
    )
    .await;
    let entities = statements_for(
        &app,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on CallPurpose { name creator { name } } } }",
        json!({ "r": representations }),
    )
    .await;
    let body = app
        .query(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on CallPurpose { databaseId } } }",
            json!({ "r": representations }),
        )
        .await;

    // The viewer and one statement per type; the creators are among the
    // users already loaded. For entities: the viewer, purposes, creators.
    assert_eq!(nodes, 4, "nodes(ids: 1000 ids) cost {nodes}");
    assert_eq!(
        entities, 3,
        "_entities with 1000 representations cost {entities}"
    );
    let found = body["data"]["_entities"].as_array().map(Vec::len);
    assert_eq!(found, Some(1000), "every representation resolves");
    assert_eq!(body["data"]["_entities"][999]["databaseId"], 1000);
    eprintln!("{backend:?} nodes: {nodes}, _entities: {entities}");
}

each_backend!(
    a_nested_page_costs_the_same_statements_at_every_size,
    a_thousand_nodes_or_entities_cost_one_statement_per_type,
);
