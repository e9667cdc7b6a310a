//! The read API: pagination in every order, filters against a reference,
//! global ids, and clear errors for bad ids and cursors.

use chrono::{DateTime, TimeDelta, Utc};
use entity::{call, call_purpose};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, TestApp, error_codes, insert_calls, insert_purposes};

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String,
                          $orderBy: [CallPurposeOrder!], $filter: CallPurposeFilter) {
    callPurposes(first: $first, after: $after, last: $last, before: $before,
                 orderBy: $orderBy, filter: $filter) {
        totalCount
        edges { cursor node { databaseId } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
    }
}";

fn ids(connection: &Value) -> Vec<i64> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["databaseId"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}

fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T09:00:00.123456Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("a time")
}

/// Purposes whose names and timestamps tie in groups, so that only the id
/// can order them completely.
async fn arrange_ties(app: &TestApp) -> Vec<call_purpose::Model> {
    let names = [
        "Follow Up",
        "alpha",
        "Alpha",
        "Ünïcode",
        "Zebra",
        "follow up",
    ];
    let rows: Vec<_> = (0..23)
        .map(|n| {
            let created = base_time() + TimeDelta::minutes(n % 4);
            let updated = base_time() + TimeDelta::microseconds(n % 3);
            (names[n as usize % names.len()].to_owned(), created, updated)
        })
        .collect();
    let conn = app.db.connect().await;
    insert_purposes(&conn, &rows).await;
    call_purpose::Entity::find()
        .all(&conn)
        .await
        .expect("purposes")
}

/// The order an independent sort of the rows gives, ids last.
fn expected(rows: &[call_purpose::Model], field: &str, descending: bool) -> Vec<i64> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        let primary = match field {
            "ORDER" => a.display_order.cmp(&b.display_order),
            "NAME" => a.name.cmp(&b.name),
            "CREATED_AT" => a.created_at.cmp(&b.created_at),
            "UPDATED_AT" => a.updated_at.cmp(&b.updated_at),
            _ => a.id.cmp(&b.id),
        };
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then(if field == "ID" {
            std::cmp::Ordering::Equal
        } else {
            a.id.cmp(&b.id)
        })
    });
    rows.iter().map(|r| i64::from(r.id)).collect()
}

async fn walk_forward(app: &TestApp, order_by: &Value) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                PAGE,
                json!({ "first": 4, "after": after, "orderBy": order_by }),
            )
            .await;
        let page = &data["callPurposes"];
        seen.extend(ids(page));
        if page["pageInfo"]["hasNextPage"] != true {
            return seen;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn walk_backward(app: &TestApp, order_by: &Value) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut before = Value::Null;
    loop {
        let data = app
            .data(
                PAGE,
                json!({ "last": 5, "before": before, "orderBy": order_by }),
            )
            .await;
        let page = &data["callPurposes"];
        let mut ids = ids(page);
        ids.extend(seen);
        seen = ids;
        if page["pageInfo"]["hasPreviousPage"] != true {
            return seen;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
}

async fn paging_in_every_order_and_direction_visits_each_purpose_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rows = arrange_ties(&app).await;

    for field in ["ORDER", "NAME", "CREATED_AT", "UPDATED_AT", "ID"] {
        for direction in ["ASC", "DESC"] {
            let order_by = json!([{ "field": field, "direction": direction }]);
            let want = expected(&rows, field, direction == "DESC");

            let forward = walk_forward(&app, &order_by).await;
            let backward = walk_backward(&app, &order_by).await;

            assert_eq!(forward, want, "forward by {field} {direction}");
            assert_eq!(backward, want, "backward by {field} {direction}");
        }
    }
}

async fn a_compound_order_breaks_ties_by_its_later_terms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut rows = arrange_ties(&app).await;
    let order_by = json!([
        { "field": "NAME", "direction": "DESC" },
        { "field": "CREATED_AT", "direction": "ASC" },
    ]);

    let forward = walk_forward(&app, &order_by).await;

    rows.sort_by(|a, b| {
        b.name
            .cmp(&a.name)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.id.cmp(&b.id))
    });
    let want: Vec<i64> = rows.iter().map(|r| i64::from(r.id)).collect();
    assert_eq!(forward, want);
}

async fn cursors_stay_valid_while_purposes_are_added(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.data(PAGE, json!({ "first": 3 })).await;
    let cursor = first["callPurposes"]["pageInfo"]["endCursor"].clone();

    let conn = app.db.connect().await;
    insert_purposes(&conn, &[("Late Arrival".into(), base_time(), base_time())]).await;
    let next = app.data(PAGE, json!({ "first": 3, "after": cursor })).await;

    assert_eq!(ids(&next["callPurposes"]), vec![4, 5, 6]);
    assert_eq!(next["callPurposes"]["totalCount"], 11);
}

/// A filter, and the same filter as the reference implementation reads it.
struct Reference {
    graphql: Value,
    keep: Box<dyn Fn(&call_purpose::Model) -> bool>,
}

fn random_filter(rng: &mut StdRng, rows: &[call_purpose::Model]) -> Reference {
    let pick = |rng: &mut StdRng| rows[rng.random_range(0..rows.len())].clone();
    match rng.random_range(0..9) {
        0 => {
            let name = pick(rng).name;
            Reference {
                graphql: json!({ "name": { "eq": name } }),
                keep: Box::new(move |r| r.name == name),
            }
        }
        1 => {
            let names = vec![pick(rng).name, pick(rng).name, "nobody".to_owned()];
            Reference {
                graphql: json!({ "name": { "in": names } }),
                keep: Box::new(move |r| names.contains(&r.name)),
            }
        }
        2 => {
            let text = ["fol", "LOW", "ph", "up", "z", "%", "_"][rng.random_range(0..7)];
            let needle = text.to_ascii_lowercase();
            Reference {
                graphql: json!({ "name": { "contains": text } }),
                keep: Box::new(move |r| r.name.to_ascii_lowercase().contains(&needle)),
            }
        }
        3 => {
            let (low, high) = (rng.random_range(0..15), rng.random_range(5..40));
            Reference {
                graphql: json!({ "order": { "gte": low, "lte": high } }),
                keep: Box::new(move |r| (low..=high).contains(&r.display_order)),
            }
        }
        4 => {
            let orders = vec![pick(rng).display_order, pick(rng).display_order];
            Reference {
                graphql: json!({ "order": { "in": orders } }),
                keep: Box::new(move |r| orders.contains(&r.display_order)),
            }
        }
        5 => {
            let id = pick(rng).id;
            Reference {
                graphql: json!({ "databaseId": { "eq": id } }),
                keep: Box::new(move |r| r.id == id),
            }
        }
        6 => {
            let at = pick(rng).created_at;
            Reference {
                graphql: json!({ "createdAt": { "gte": at.to_rfc3339() } }),
                keep: Box::new(move |r| r.created_at >= at),
            }
        }
        7 => {
            let at = pick(rng).updated_at;
            let name = pick(rng).name;
            Reference {
                graphql: json!({ "updatedAt": { "lte": at.to_rfc3339() }, "name": { "eq": name } }),
                keep: Box::new(move |r| r.updated_at <= at && r.name == name),
            }
        }
        _ => {
            let times = [pick(rng).updated_at, pick(rng).updated_at];
            let as_text: Vec<String> = times.iter().map(|t| t.to_rfc3339()).collect();
            Reference {
                graphql: json!({ "updatedAt": { "in": as_text }, "databaseId": { "gte": 3 } }),
                keep: Box::new(move |r| times.contains(&r.updated_at) && r.id >= 3),
            }
        }
    }
}

async fn filters_agree_with_a_reference_implementation_on_random_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut rng = StdRng::seed_from_u64(2026);
    let words = ["Follow", "up", "ALPHA", "zeta", "50%", "a_b", "Čall", "☎"];
    let rows: Vec<_> = (0..30)
        .map(|_| {
            let name = format!(
                "{} {}",
                words[rng.random_range(0..words.len())],
                words[rng.random_range(0..words.len())]
            );
            let created = base_time() + TimeDelta::seconds(rng.random_range(0..5));
            let updated = created + TimeDelta::microseconds(rng.random_range(0..3));
            (name, created, updated)
        })
        .collect();
    let conn = app.db.connect().await;
    insert_purposes(&conn, &rows).await;
    let all = call_purpose::Entity::find()
        .all(&conn)
        .await
        .expect("purposes");

    for case in 0..60 {
        let reference = random_filter(&mut rng, &all);

        let data = app
            .data(PAGE, json!({ "first": 1000, "filter": reference.graphql }))
            .await;

        let mut want: Vec<&call_purpose::Model> =
            all.iter().filter(|r| (reference.keep)(r)).collect();
        want.sort_by_key(|r| r.display_order);
        let want: Vec<i64> = want.iter().map(|r| i64::from(r.id)).collect();
        assert_eq!(
            ids(&data["callPurposes"]),
            want,
            "case {case}: filter {}",
            reference.graphql
        );
        assert_eq!(
            data["callPurposes"]["totalCount"],
            want.len(),
            "case {case}: totalCount"
        );
    }
}

const NODE: &str = "query($id: ID!) {
    node(id: $id) {
        __typename id
        ... on CallPurpose { databaseId name }
        ... on User { databaseId email }
        ... on Call { databaseId direction }
    }
}";

async fn every_type_round_trips_through_node(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            "{ callPurposes(first: 1) { edges { node { id databaseId
                 creator { id databaseId }
                 calls(first: 1) { edges { node { id databaseId } } } } } } }",
            json!({}),
        )
        .await;
    let purpose = &data["callPurposes"]["edges"][0]["node"];
    let cases = [
        ("CallPurpose", purpose.clone()),
        ("User", purpose["creator"].clone()),
        ("Call", purpose["calls"]["edges"][0]["node"].clone()),
    ];

    for (typename, object) in &cases {
        let found = app.data(NODE, json!({ "id": object["id"] })).await;

        assert_eq!(found["node"]["__typename"], *typename);
        assert_eq!(found["node"]["id"], object["id"], "{typename}");
        assert_eq!(
            found["node"]["databaseId"], object["databaseId"],
            "{typename}"
        );
    }

    let ids: Vec<Value> = cases.iter().map(|(_, o)| o["id"].clone()).collect();
    let unknown = json!("Q2FsbFB1cnBvc2U6OTk5OTk"); // CallPurpose:99999
    let many = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": [ids[2], unknown, ids[0], ids[1], ids[0]] }),
        )
        .await;
    let types: Vec<Value> = many["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().map(|n| n["__typename"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        vec![
            json!("Call"),
            Value::Null,
            json!("CallPurpose"),
            json!("User"),
            json!("CallPurpose")
        ]
    );
}

async fn bad_ids_and_cursors_get_errors_that_name_the_argument(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let calls_cursor = {
        let data = app
            .data("{ callPurposes(first: 1) { edges { node { calls(first: 1) { pageInfo { endCursor } } } } } }", json!({}))
            .await;
        data["callPurposes"]["edges"][0]["node"]["calls"]["pageInfo"]["endCursor"].clone()
    };
    let cases = [
        (NODE, json!({ "id": "not-an-id" }), "BAD_USER_INPUT", "id"),
        (
            "query($id: ID!) { callPurpose(id: $id) { name } }",
            json!({ "id": "Q2FsbFB1cnBvc2U6OTk5OTk" }),
            "NOT_FOUND",
            "id",
        ),
        (
            "query($id: ID!) { callPurpose(id: $id) { name } }",
            json!({ "id": "VXNlcjox" }),
            "BAD_USER_INPUT",
            "User",
        ),
        (
            PAGE,
            json!({ "after": "garbage!" }),
            "BAD_USER_INPUT",
            "after",
        ),
        (
            PAGE,
            json!({ "before": calls_cursor }),
            "BAD_USER_INPUT",
            "before",
        ),
        (PAGE, json!({ "first": 1001 }), "BAD_USER_INPUT", "first"),
        (PAGE, json!({ "last": -1 }), "BAD_USER_INPUT", "last"),
        (
            PAGE,
            json!({ "first": 1, "last": 1 }),
            "BAD_USER_INPUT",
            "last",
        ),
    ];

    for (query, variables, code, named) in cases {
        let body = app.query(query, variables.clone()).await;

        assert_eq!(
            error_codes(&body),
            vec![code.to_owned()],
            "{variables}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named),
            "{variables}: the message names {named}: {message}"
        );
    }

    let not_found = app
        .query(NODE, json!({ "id": "Q2FsbFB1cnBvc2U6OTk5OTk" }))
        .await;
    assert_eq!(
        not_found["data"]["node"],
        Value::Null,
        "node(id:) of nothing is null"
    );
    assert!(not_found.get("errors").is_none());
}

async fn a_purposes_calls_page_newest_first_with_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let purpose = insert_purposes(&conn, &[("Empty".into(), base_time(), base_time())]).await[0];
    let fresh = insert_purposes(&conn, &[("Busy".into(), base_time(), base_time())]).await[0];
    let calls = insert_calls(&conn, Some(fresh), 7).await;
    let query = "query($ids: [ID!]!, $after: String) { nodes(ids: $ids) { ... on CallPurpose {
        calls(first: 3, after: $after) { totalCount edges { node { databaseId } }
                                         pageInfo { hasNextPage hasPreviousPage endCursor } } } } }";
    let global = |id: i32| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("CallPurpose:{id}"))
    };

    let first = app
        .data(query, json!({ "ids": [global(purpose), global(fresh)] }))
        .await;
    let cursor = first["nodes"][1]["calls"]["pageInfo"]["endCursor"].clone();
    let second = app
        .data(query, json!({ "ids": [global(fresh)], "after": cursor }))
        .await;

    let empty = &first["nodes"][0]["calls"];
    assert_eq!(empty["totalCount"], 0);
    assert_eq!(empty["edges"], json!([]));
    let busy = &first["nodes"][1]["calls"];
    assert_eq!(busy["totalCount"], 7);
    let newest: Vec<i64> = calls
        .iter()
        .rev()
        .take(3)
        .map(|id| i64::from(*id))
        .collect();
    assert_eq!(ids(busy), newest);
    assert_eq!(busy["pageInfo"]["hasNextPage"], true);
    let next: Vec<i64> = calls
        .iter()
        .rev()
        .skip(3)
        .take(3)
        .map(|id| i64::from(*id))
        .collect();
    assert_eq!(ids(&second["nodes"][0]["calls"]), next);
    assert_eq!(
        second["nodes"][0]["calls"]["pageInfo"]["hasPreviousPage"],
        true
    );
}

async fn call_counts_follow_calls_written_by_anyone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let first = insert_calls(&conn, Some(2), 5).await;
    insert_calls(&conn, Some(3), 2).await;
    insert_calls(&conn, None, 2).await;

    // Written straight to the database, as another system would.
    let moved = format!(
        "UPDATE calls SET call_purpose_id = 3 WHERE id IN ({}, {})",
        first[0], first[1]
    );
    let cleared = format!(
        "UPDATE calls SET call_purpose_id = NULL WHERE id = {}",
        first[2]
    );
    let deleted = format!("DELETE FROM calls WHERE id = {}", first[3]);
    for statement in [moved, cleared, deleted] {
        sea_orm::ConnectionTrait::execute_unprepared(&conn, &statement)
            .await
            .expect("write");
    }
    let data = app
        .data(
            "{ callPurposes(first: 1000) { edges { node { databaseId calls { totalCount } } } } }",
            json!({}),
        )
        .await;

    let calls = call::Entity::find().all(&conn).await.expect("calls");
    for edge in data["callPurposes"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = edge["node"]["databaseId"].as_i64().unwrap_or_default() as i32;
        let actual = calls
            .iter()
            .filter(|c| c.call_purpose_id == Some(id))
            .count();
        assert_eq!(edge["node"]["calls"]["totalCount"], actual, "purpose {id}");
    }
}

each_backend!(
    call_counts_follow_calls_written_by_anyone,
    paging_in_every_order_and_direction_visits_each_purpose_once,
    a_compound_order_breaks_ties_by_its_later_terms,
    cursors_stay_valid_while_purposes_are_added,
    filters_agree_with_a_reference_implementation_on_random_data,
    every_type_round_trips_through_node,
    bad_ids_and_cursors_get_errors_that_name_the_argument,
    a_purposes_calls_page_newest_first_with_counts,
);
