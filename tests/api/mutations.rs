//! Mutations: the name rule, the ordering invariant, optimistic
//! concurrency, scopes, and nothing half-written when a transaction fails.

use entity::{call, call_purpose};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, TestApp, error_codes, insert_calls, token};

const CREATE: &str = "mutation($input: CreateCallPurposeInput!) {
    createCallPurpose(input: $input) {
        callPurpose { id databaseId name order createdAt updatedAt creator { databaseId } }
        userErrors { field message code }
        clientMutationId
    }
}";

const UPDATE: &str = "mutation($input: UpdateCallPurposeInput!) {
    updateCallPurpose(input: $input) {
        callPurpose { id name order updatedAt }
        userErrors { field message code }
        clientMutationId
    }
}";

const DELETE: &str = "mutation($input: DeleteCallPurposeInput!) {
    deleteCallPurpose(input: $input) {
        deletedCallPurposeId
        userErrors { field message code }
        clientMutationId
    }
}";

const REORDER: &str = "mutation($input: ReorderCallPurposesInput!) {
    reorderCallPurposes(input: $input) {
        callPurposes { databaseId order }
        userErrors { field message code }
        clientMutationId
    }
}";

pub fn global(id: i32) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("CallPurpose:{id}"))
}

/// The collection as stored: (id, order, name), in display order.
pub async fn stored(conn: &DatabaseConnection) -> Vec<(i32, i32, String)> {
    call_purpose::Entity::find()
        .order_by_asc(call_purpose::Column::DisplayOrder)
        .all(conn)
        .await
        .expect("purposes")
        .into_iter()
        .map(|p| (p.id, p.display_order, p.name))
        .collect()
}

/// Asserts the orders are exactly 1..n.
pub fn assert_dense(rows: &[(i32, i32, String)], context: &str) {
    let orders: Vec<i32> = rows.iter().map(|(_, order, _)| *order).collect();
    let dense: Vec<i32> = (1..=rows.len() as i32).collect();
    assert_eq!(orders, dense, "orders are 1..n {context}");
}

fn ids_in_order(rows: &[(i32, i32, String)]) -> Vec<i32> {
    rows.iter().map(|(id, _, _)| *id).collect()
}

fn payload<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "no top-level errors: {body}");
    &body["data"][field]
}

fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn the_name_rule_holds_identically_on_every_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let cases: Vec<(&str, String, Result<String, &str>)> = vec![
        ("empty is blank", String::new(), Err("BLANK")),
        ("spaces only are blank", "   \t ".into(), Err("BLANK")),
        (
            "exactly 255 letters fit",
            "a".repeat(255),
            Ok("a".repeat(255)),
        ),
        ("256 letters are too long", "b".repeat(256), Err("TOO_LONG")),
        (
            "255 emoji fit: characters, not bytes",
            "😀".repeat(255),
            Ok("😀".repeat(255)),
        ),
        ("256 emoji are too long", "😀".repeat(256), Err("TOO_LONG")),
        (
            "combining marks count as characters",
            "e\u{301}".repeat(127),
            Ok("e\u{301}".repeat(127)),
        ),
        (
            "128 letters with combining marks are 256 characters",
            "e\u{301}".repeat(128),
            Err("TOO_LONG"),
        ),
        (
            "255 CJK characters fit",
            "漢".repeat(255),
            Ok("漢".repeat(255)),
        ),
        (
            "right-to-left text is kept as written",
            "مكالمة متابعة".into(),
            Ok("مكالمة متابعة".into()),
        ),
        (
            "NUL is refused",
            "Follow\u{0}Up".into(),
            Err("INVALID_CHARACTERS"),
        ),
        (
            "U+007F is refused",
            "Follow\u{7f}".into(),
            Err("INVALID_CHARACTERS"),
        ),
        (
            "an inner line break is refused",
            "Follow\nUp".into(),
            Err("INVALID_CHARACTERS"),
        ),
        (
            "255 letters fit once surrounding spaces are trimmed",
            format!("  {}\t ", "c".repeat(255)),
            Ok("c".repeat(255)),
        ),
    ];

    for (what, name, expected) in cases {
        let before = stored(&conn).await;

        let body = app
            .query(CREATE, json!({ "input": { "name": name } }))
            .await;

        let result = payload(&body, "createCallPurpose");
        match expected {
            Ok(stored_name) => {
                assert_eq!(codes(result), Vec::<String>::new(), "{what}");
                assert_eq!(
                    result["callPurpose"]["name"],
                    stored_name.as_str(),
                    "{what}: returned"
                );
                let id = result["callPurpose"]["databaseId"]
                    .as_i64()
                    .unwrap_or_default() as i32;
                let row = call_purpose::Entity::find_by_id(id)
                    .one(&conn)
                    .await
                    .expect("read");
                assert_eq!(row.map(|r| r.name), Some(stored_name), "{what}: stored");
            }
            Err(code) => {
                assert_eq!(codes(result), vec![code.to_owned()], "{what}");
                assert_eq!(
                    result["userErrors"][0]["field"],
                    json!(["input", "name"]),
                    "{what}"
                );
                assert!(result["callPurpose"].is_null(), "{what}");
                assert_eq!(stored(&conn).await, before, "{what}: nothing changed");
            }
        }
    }
}

async fn creating_appends_by_default_and_inserts_at_a_given_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let before = ids_in_order(&stored(&conn).await);

    let appended = app
        .query(
            CREATE,
            json!({ "input": { "name": "Appended", "clientMutationId": "c-1" } }),
        )
        .await;
    let first = app
        .query(CREATE, json!({ "input": { "name": "First", "order": 1 } }))
        .await;
    let too_far = app
        .query(
            CREATE,
            json!({ "input": { "name": "Nowhere", "order": 14 } }),
        )
        .await;

    let appended = payload(&appended, "createCallPurpose");
    assert_eq!(appended["callPurpose"]["order"], 11);
    assert_eq!(appended["clientMutationId"], "c-1");
    assert_eq!(
        appended["callPurpose"]["creator"]["databaseId"], 1,
        "the viewer is the creator"
    );
    assert_eq!(
        appended["callPurpose"]["createdAt"],
        appended["callPurpose"]["updatedAt"]
    );
    let first = payload(&first, "createCallPurpose");
    assert_eq!(first["callPurpose"]["order"], 1);
    let too_far = payload(&too_far, "createCallPurpose");
    assert_eq!(codes(too_far), vec!["OUT_OF_RANGE"]);
    assert!(
        too_far["userErrors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("13")
    );

    let rows = stored(&conn).await;
    assert_dense(&rows, "after creates");
    let mut expected = vec![
        first["callPurpose"]["databaseId"]
            .as_i64()
            .unwrap_or_default() as i32,
    ];
    expected.extend(before);
    expected.push(
        appended["callPurpose"]["databaseId"]
            .as_i64()
            .unwrap_or_default() as i32,
    );
    assert_eq!(ids_in_order(&rows), expected);
}

async fn moving_shifts_the_purposes_in_between_and_refuses_out_of_range(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let cases = [
        (2, 7, "down"),
        (9, 3, "up"),
        (5, 5, "in place"),
        (1, 10, "to the end"),
        (10, 1, "to the start"),
    ];

    for (id, order, what) in cases {
        let mut expected = ids_in_order(&stored(&conn).await);
        expected.retain(|i| *i != id);
        expected.insert(order as usize - 1, id);

        let body = app
            .query(
                UPDATE,
                json!({ "input": { "id": global(id), "order": order } }),
            )
            .await;

        let result = payload(&body, "updateCallPurpose");
        assert_eq!(codes(result), Vec::<String>::new(), "{what}");
        assert_eq!(result["callPurpose"]["order"], order, "{what}");
        let rows = stored(&conn).await;
        assert_dense(&rows, what);
        assert_eq!(ids_in_order(&rows), expected, "{what}");
    }

    for order in [0, 11, -3] {
        let before = stored(&conn).await;
        let body = app
            .query(
                UPDATE,
                json!({ "input": { "id": global(4), "order": order } }),
            )
            .await;
        let result = payload(&body, "updateCallPurpose");
        assert_eq!(codes(result), vec!["OUT_OF_RANGE"], "order {order}");
        assert_eq!(result["userErrors"][0]["field"], json!(["input", "order"]));
        assert_eq!(stored(&conn).await, before, "order {order} changes nothing");
    }
}

async fn deleting_closes_the_gap_and_keeps_the_calls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let calls = insert_calls(&conn, Some(4), 3).await;

    let body = app
        .query(
            DELETE,
            json!({ "input": { "id": global(4), "clientMutationId": "d" } }),
        )
        .await;
    let again = app
        .query(DELETE, json!({ "input": { "id": global(4) } }))
        .await;
    let malformed = app
        .query(DELETE, json!({ "input": { "id": "nope" } }))
        .await;

    let result = payload(&body, "deleteCallPurpose");
    assert_eq!(result["deletedCallPurposeId"], global(4));
    assert_eq!(result["clientMutationId"], "d");
    assert_eq!(
        codes(payload(&again, "deleteCallPurpose")),
        vec!["NOT_FOUND"]
    );
    assert_eq!(
        codes(payload(&malformed, "deleteCallPurpose")),
        vec!["INVALID_ID"]
    );
    let rows = stored(&conn).await;
    assert_dense(&rows, "after delete");
    assert_eq!(rows.len(), 9);
    let kept = call::Entity::find()
        .filter(call::Column::Id.is_in(calls.clone()))
        .all(&conn)
        .await
        .expect("calls");
    assert_eq!(kept.len(), 3, "the calls survive");
    assert!(
        kept.iter().all(|c| c.call_purpose_id.is_none()),
        "with no purpose"
    );
}

async fn reordering_applies_a_permutation_and_refuses_anything_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let reversed: Vec<i32> = (1..=10).rev().collect();
    let all = |ids: &[i32]| ids.iter().map(|id| global(*id)).collect::<Vec<_>>();
    let refused: Vec<(&str, Vec<String>)> = vec![
        ("a duplicate", all(&[1, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
        ("a missing id", all(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
        ("an extra id", all(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
        (
            "an unknown id instead of one",
            all(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 77]),
        ),
        ("nothing", vec![]),
    ];

    let body = app
        .query(
            REORDER,
            json!({ "input": { "ids": all(&reversed), "clientMutationId": "r" } }),
        )
        .await;

    let result = payload(&body, "reorderCallPurposes");
    assert_eq!(codes(result), Vec::<String>::new());
    assert_eq!(result["clientMutationId"], "r");
    let rows = stored(&conn).await;
    assert_dense(&rows, "after the reorder");
    assert_eq!(ids_in_order(&rows), reversed);

    for (what, ids) in refused {
        let body = app.query(REORDER, json!({ "input": { "ids": ids } })).await;

        let result = payload(&body, "reorderCallPurposes");
        assert_eq!(codes(result), vec!["NOT_A_PERMUTATION"], "{what}");
        assert!(result["callPurposes"].is_null(), "{what}");
        assert_eq!(
            ids_in_order(&stored(&conn).await),
            reversed,
            "{what} changes nothing"
        );
    }
}

async fn updated_at_moves_on_change_only_and_stale_writes_conflict(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let read = app
        .data(
            "{ callPurpose(id: \"Q2FsbFB1cnBvc2U6Mw\") { name order updatedAt } }",
            json!({}),
        )
        .await;
    let original = read["callPurpose"]["updatedAt"].clone();

    let same = app
        .query(
            UPDATE,
            json!({ "input": { "id": global(3), "name": " Discovery Call ", "order": 3 } }),
        )
        .await;
    let renamed = app
        .query(UPDATE, json!({ "input": { "id": global(3), "name": "Discovery", "expectedUpdatedAt": original } }))
        .await;
    let before_stale = stored(&conn).await;
    let stale = app
        .query(UPDATE, json!({ "input": { "id": global(3), "name": "Lost Update", "order": 1, "expectedUpdatedAt": original } }))
        .await;

    let same = payload(&same, "updateCallPurpose");
    assert_eq!(
        same["callPurpose"]["updatedAt"], original,
        "no change, no new updatedAt"
    );
    let renamed = payload(&renamed, "updateCallPurpose");
    assert_eq!(renamed["callPurpose"]["name"], "Discovery");
    assert_ne!(
        renamed["callPurpose"]["updatedAt"], original,
        "a change moves updatedAt"
    );
    let stale = payload(&stale, "updateCallPurpose");
    assert_eq!(codes(stale), vec!["CONFLICT"]);
    assert_eq!(
        stale["userErrors"][0]["field"],
        json!(["input", "expectedUpdatedAt"])
    );
    assert_eq!(
        stored(&conn).await,
        before_stale,
        "a stale write changes nothing"
    );
}

async fn moving_a_purpose_moves_the_updated_at_of_those_it_shifts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let by_id = || {
        call_purpose::Entity::find()
            .order_by_asc(call_purpose::Column::Id)
            .all(&conn)
    };
    let before = by_id().await.expect("rows");

    app.data(UPDATE, json!({ "input": { "id": global(5), "order": 2 } }))
        .await;

    let after = by_id().await.expect("rows");
    for (old, new) in before.iter().zip(&after) {
        let moved = old.display_order != new.display_order;
        assert_eq!(
            old.updated_at != new.updated_at,
            moved,
            "purpose {}: updatedAt moves iff it moved",
            old.id
        );
    }
}

async fn writing_needs_the_write_or_delete_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    let before = stored(&conn).await;
    let read_only = token(1, "callPurposes.read");
    let write_only = token(1, "callPurposes.write");
    let cases = [
        (&read_only, CREATE, json!({ "input": { "name": "X" } })),
        (
            &read_only,
            UPDATE,
            json!({ "input": { "id": global(1), "name": "X" } }),
        ),
        (&read_only, REORDER, json!({ "input": { "ids": [] } })),
        (&write_only, DELETE, json!({ "input": { "id": global(1) } })),
    ];

    for (token, mutation, variables) in cases {
        let body = app.query_as(Some(token), mutation, variables.clone()).await;

        assert_eq!(error_codes(&body), vec!["FORBIDDEN"], "{variables}");
        assert!(body["data"].is_null(), "{variables}");
    }
    let anonymous = app
        .query_as(None, CREATE, json!({ "input": { "name": "X" } }))
        .await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
    assert_eq!(stored(&conn).await, before, "nothing was written");
}

/// Makes the database refuse one statement in the middle of a mutation,
/// after its orders have already been shifted.
async fn inject_failure(conn: &DatabaseConnection, backend: Backend) {
    let statements: &[&str] = match backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER explode BEFORE INSERT ON call_purposes WHEN NEW.name = 'Explode'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            "CREATE TRIGGER explode_move BEFORE UPDATE ON call_purposes
             WHEN NEW.name = 'Explode' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION explode() RETURNS trigger AS $$
             BEGIN IF NEW.name = 'Explode' THEN RAISE EXCEPTION 'injected failure'; END IF;
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER explode BEFORE INSERT OR UPDATE ON call_purposes
             FOR EACH ROW EXECUTE FUNCTION explode()",
        ],
        Backend::Mysql => &[
            "CREATE TRIGGER explode BEFORE INSERT ON call_purposes FOR EACH ROW
             BEGIN IF NEW.name = 'Explode' THEN
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END",
            "CREATE TRIGGER explode_move BEFORE UPDATE ON call_purposes FOR EACH ROW
             BEGIN IF NEW.name = 'Explode' THEN
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END",
        ],
    };
    for statement in statements {
        conn.execute_unprepared(statement)
            .await
            .expect("installing the trigger");
    }
}

async fn a_mutation_failing_midway_leaves_the_collection_as_it_was(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let conn = app.db.connect().await;
    inject_failure(&conn, backend).await;
    let before = stored(&conn).await;

    // The insert fails after the shift made room at order 2; the rename
    // fails after the move shifted the purposes in between.
    let create = app
        .query(
            CREATE,
            json!({ "input": { "name": "Explode", "order": 2 } }),
        )
        .await;
    let update = app
        .query(
            UPDATE,
            json!({ "input": { "id": global(8), "name": "Explode", "order": 2 } }),
        )
        .await;

    for (what, body) in [("create", create), ("update", update)] {
        assert_eq!(error_codes(&body), vec!["INTERNAL"], "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("injected"),
            "{what}: the cause stays in the log: {message}"
        );
        assert_eq!(stored(&conn).await, before, "{what}: nothing half-written");
    }
}

each_backend!(
    the_name_rule_holds_identically_on_every_database,
    creating_appends_by_default_and_inserts_at_a_given_order,
    moving_shifts_the_purposes_in_between_and_refuses_out_of_range,
    deleting_closes_the_gap_and_keeps_the_calls,
    reordering_applies_a_permutation_and_refuses_anything_else,
    updated_at_moves_on_change_only_and_stale_writes_conflict,
    moving_a_purpose_moves_the_updated_at_of_those_it_shifts,
    writing_needs_the_write_or_delete_scope,
    a_mutation_failing_midway_leaves_the_collection_as_it_was,
);
