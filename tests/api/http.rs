//! The HTTP rules: GraphQL over HTTP, CSRF, body limits, request ids,
//! health and readiness.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, TestApp, token};

const QUERY: &str = "{ callPurposes(first: 2) { edges { node { name order } } } }";

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token(1, "callPurposes.read"))
        .json(&body);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    request.send().await.expect("an answer")
}

async fn a_post_asking_for_json_gets_json_in_display_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = post(&app, Some("application/json"), json!({ "query": QUERY })).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["data"]["callPurposes"]["edges"],
        json!([
            { "node": { "name": "Initial Contact", "order": 1 } },
            { "node": { "name": "Follow Up", "order": 2 } },
        ])
    );
}

async fn a_post_asking_for_graphql_response_json_gets_that_media_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = post(
        &app,
        Some("application/graphql-response+json, application/json;q=0.9"),
        json!({ "query": QUERY }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/graphql-response+json"));
    let body: Value = response.json().await.expect("json");
    assert!(body["data"]["callPurposes"]["edges"].is_array(), "{body}");
}

async fn an_unacceptable_accept_header_gets_406(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = post(&app, Some("application/xml"), json!({ "query": QUERY })).await;

    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Accept")
    );
}

async fn an_invalid_document_is_400_under_graphql_response_json_and_200_under_json(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let invalid = json!({ "query": "{ callPurposes { nope } }" });
    let cases = [
        ("application/graphql-response+json", StatusCode::BAD_REQUEST),
        ("application/json", StatusCode::OK),
    ];

    for (accept, status) in cases {
        let response = post(&app, Some(accept), invalid.clone()).await;

        assert_eq!(response.status(), status, "Accept: {accept}");
        let body: Value = response.json().await.expect("json");
        assert!(body["data"].is_null(), "no data under {accept}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
}

async fn a_body_that_is_not_a_graphql_request_gets_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        "{not json",
        "[]",
        r#"{"query": 42}"#,
        r#"{"variables": {}}"#,
    ];

    for body in cases {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/graphql-response+json")
            .body(body)
            .send()
            .await
            .expect("an answer");

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "body {body}");
        assert!(content_type(&response).starts_with("application/graphql-response+json"));
        let body: Value = response.json().await.expect("json");
        assert!(body["errors"][0]["message"].is_string());
    }
}

async fn a_get_query_is_answered(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", QUERY)])
        .bearer_auth(token(1, "callPurposes.read"))
        .send()
        .await
        .expect("an answer");

    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["callPurposes"]["edges"][0]["node"]["order"], 1);
}

async fn a_mutation_over_get_gets_405_naming_post(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { __typename }")])
        .send()
        .await
        .expect("an answer");

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.headers().get(ALLOW).and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("POST")
    );
}

async fn a_browser_get_receives_graphiql(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("an answer");

    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/html"));
    let page = response.text().await.expect("text");
    assert!(page.contains("graphiql"), "the page loads GraphiQL");
}

async fn a_body_over_the_limit_gets_413(backend: Backend) {
    let app = TestApp::spawn_with(backend, &["--max-body-bytes", "1024"]).await;
    let padding = "x".repeat(2048);

    let response = post(
        &app,
        None,
        json!({ "query": QUERY, "extensions": { "pad": padding } }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1024")
    );
}

async fn simple_content_types_without_a_preflight_header_are_refused_as_csrf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({ "query": QUERY }).to_string();
    let cases = [
        (Some("text/plain"), None, StatusCode::BAD_REQUEST),
        (
            Some("application/x-www-form-urlencoded"),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Some("multipart/form-data; boundary=x"),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (None, None, StatusCode::BAD_REQUEST),
        (
            Some("text/plain"),
            Some("graphql-require-preflight"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("application/xml"),
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];

    for (content, preflight, status) in cases {
        let mut request = app.client.post(app.url("/graphql")).body(body.clone());
        if let Some(content) = content {
            request = request.header(CONTENT_TYPE, content);
        }
        if let Some(preflight) = preflight {
            request = request.header(preflight, "1");
        }
        let response = request.send().await.expect("an answer");

        assert_eq!(
            response.status(),
            status,
            "Content-Type {content:?}, preflight {preflight:?}"
        );
        let answer: Value = response.json().await.expect("json");
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("application/json"), "{message}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}

async fn every_response_carries_a_request_id_and_echoes_a_given_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let generated = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("an answer");
    let echoed = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("an answer");

    let id = generated
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    assert!(
        id.is_some_and(|id| id.len() >= 16),
        "a generated id: {id:?}"
    );
    assert_eq!(
        echoed
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-123")
    );
}

async fn health_and_ready_answer_200_with_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    for (path, status) in [("/health", "ok"), ("/ready", "ready")] {
        let response = app
            .client
            .get(app.url(path))
            .send()
            .await
            .expect("an answer");

        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            content_type(&response).starts_with("application/json"),
            "{path}"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], status, "{path}");
    }
}

async fn batches_are_answered_in_order_and_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let one = json!({ "query": "{ callPurposes(first: 1) { edges { node { order } } } }" });

    let answered = post(&app, None, json!([one, one])).await;
    let refused = post(&app, None, Value::Array(vec![one.clone(); 11])).await;

    assert_eq!(answered.status(), StatusCode::OK);
    let body: Value = answered.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

each_backend!(
    a_post_asking_for_json_gets_json_in_display_order,
    a_post_asking_for_graphql_response_json_gets_that_media_type,
    an_unacceptable_accept_header_gets_406,
    an_invalid_document_is_400_under_graphql_response_json_and_200_under_json,
    a_body_that_is_not_a_graphql_request_gets_400,
    a_get_query_is_answered,
    a_mutation_over_get_gets_405_naming_post,
    a_browser_get_receives_graphiql,
    a_body_over_the_limit_gets_413,
    simple_content_types_without_a_preflight_header_are_refused_as_csrf,
    every_response_carries_a_request_id_and_echoes_a_given_one,
    health_and_ready_answer_200_with_json,
    batches_are_answered_in_order_and_bounded,
);
