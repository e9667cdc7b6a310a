//! Operation limits: realistic queries pass, abusive ones are refused
//! before any resolver runs.

use serde_json::json;

use crate::each_backend;
use crate::helpers::{Backend, TestApp, error_codes};

/// The largest realistic frontend query: a full page of 1000 purposes with
/// creators and ten calls each.
const LARGEST_REALISTIC: &str = "{
    callPurposes(first: 1000) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node {
            id databaseId name order createdAt updatedAt canWrite canDelete
            creator { id databaseId name firstName lastName email }
            calls(first: 10) {
                totalCount
                pageInfo { hasNextPage endCursor }
                edges { cursor node {
                    id databaseId direction outcome note dialedAt answeredAt completedAt
                    user { id name }
                } }
            }
        } }
    }
}";

/// The query GraphiQL sends to learn the schema (nesting of `ofType`
/// included), which must never be refused.
const INTROSPECTION: &str = "query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}";

async fn realistic_queries_pass_the_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    for (what, query) in [
        ("largest page", LARGEST_REALISTIC),
        ("introspection", INTROSPECTION),
    ] {
        let body = app.query(query, json!({})).await;

        assert!(body.get("errors").is_none(), "{what}: {body}");
    }
}

async fn abusive_queries_are_refused_as_too_complex(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let aliases: String = (0..31).map(|n| format!("a{n}: viewer {{ id }} ")).collect();
    // Small pages, so that only the depth is abusive.
    let deep = "{ callPurposes(first: 1) { edges { node { calls(first: 1) { edges { node {
        callPurpose { calls(first: 1) { edges { node { callPurpose { calls(first: 1) { edges {
        node { user { id } } } } } } } } } } } } } } } }";
    let cases = [
        (
            "a thousand calls for each of a thousand purposes",
            "{ callPurposes(first: 1000) { edges { node { calls(first: 1000) { edges { node { id outcome } } } } } } }".to_owned(),
            "complexity",
        ),
        ("nesting past the depth limit", deep.to_owned(), "deep"),
        ("31 aliases", format!("{{ {aliases} }}"), "aliases"),
    ];

    for (what, query, named) in cases {
        let started = std::time::Instant::now();
        let body = app.query(&query, json!({})).await;

        assert_eq!(
            error_codes(&body),
            vec!["TOO_COMPLEX".to_owned()],
            "{what}: {body}"
        );
        assert!(body["data"].is_null(), "{what}: nothing resolved");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{what}: {message}");
        assert!(started.elapsed().as_secs() < 5, "{what} is refused quickly");
    }
}

each_backend!(
    realistic_queries_pass_the_limits,
    abusive_queries_are_refused_as_too_complex
);
