//! Who may read what: every root field for every kind of credential.

use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use crate::each_backend;
use crate::helpers::{Backend, SECRET, TestApp, error_codes, token};

const PURPOSE_ID: &str = "Q2FsbFB1cnBvc2U6MQ"; // CallPurpose:1

/// Every root field, each in a query of its own.
const ROOT_FIELDS: [(&str, &str); 6] = [
    (
        "callPurpose",
        "{ callPurpose(id: \"Q2FsbFB1cnBvc2U6MQ\") { name } }",
    ),
    (
        "callPurposes",
        "{ callPurposes(first: 1) { edges { node { name } } } }",
    ),
    ("node", "{ node(id: \"Q2FsbFB1cnBvc2U6MQ\") { id } }"),
    ("nodes", "{ nodes(ids: [\"Q2FsbFB1cnBvc2U6MQ\"]) { id } }"),
    ("viewer", "{ viewer { databaseId } }"),
    (
        "_entities",
        "{ _entities(representations: [{ __typename: \"CallPurpose\", id: \"Q2FsbFB1cnBvc2U6MQ\" }]) { ... on CallPurpose { name } } }",
    ),
];

fn signed(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a token")
}

/// One credential of the matrix and the code each root field answers with
/// (None: data). `viewer` needs a valid token only.
struct Case {
    credential: &'static str,
    token: Option<String>,
    reading: Option<&'static str>,
    viewer: Option<&'static str>,
}

fn case(
    credential: &'static str,
    token: Option<String>,
    reading: Option<&'static str>,
    viewer: Option<&'static str>,
) -> Case {
    Case {
        credential,
        token,
        reading,
        viewer,
    }
}

fn matrix() -> Vec<Case> {
    let now = jsonwebtoken::get_current_timestamp();
    let all = "callPurposes.all";
    let other_secret = "another-secret-of-plenty-length";
    let unauthenticated = Some("UNAUTHENTICATED");
    vec![
        case("no token", None, unauthenticated, unauthenticated),
        case(
            "bad signature",
            Some(signed(
                json!({ "sub": "1", "scope": all, "exp": now + 60 }),
                other_secret,
            )),
            unauthenticated,
            unauthenticated,
        ),
        case(
            "expired",
            Some(signed(
                json!({ "sub": "1", "scope": all, "exp": now - 5 }),
                SECRET,
            )),
            unauthenticated,
            unauthenticated,
        ),
        case(
            "unknown user",
            Some(token(424_242, all)),
            unauthenticated,
            unauthenticated,
        ),
        case(
            "other scopes",
            Some(token(1, "calls.read prospects.all")),
            Some("FORBIDDEN"),
            None,
        ),
        case(
            "write only",
            Some(token(1, "callPurposes.write")),
            Some("FORBIDDEN"),
            None,
        ),
        case(
            "delete only",
            Some(token(1, "callPurposes.delete")),
            Some("FORBIDDEN"),
            None,
        ),
        case("read", Some(token(1, "callPurposes.read")), None, None),
        case("all", Some(token(1, all)), None, None),
    ]
}

async fn every_root_field_answers_each_credential_as_the_contract_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    for Case {
        credential,
        token,
        reading,
        viewer,
    } in matrix()
    {
        for (field, query) in ROOT_FIELDS {
            let body = app.query_as(token.as_deref(), query, json!({})).await;

            let expected = if field == "viewer" { viewer } else { reading };
            match expected {
                Some(code) => {
                    assert_eq!(
                        error_codes(&body),
                        vec![code.to_owned()],
                        "{field} with {credential}: {body}"
                    );
                    assert!(
                        body["data"].is_null() || body["data"][field].is_null(),
                        "{field} with {credential} resolves no data: {body}"
                    );
                }
                None => {
                    assert!(
                        body.get("errors").is_none(),
                        "{field} with {credential}: {body}"
                    );
                    assert!(
                        !body["data"][field].is_null(),
                        "{field} with {credential}: {body}"
                    );
                }
            }
        }
    }
}

async fn can_write_and_can_delete_report_the_viewers_scopes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        ("callPurposes.read", false, false),
        ("callPurposes.read callPurposes.write", true, false),
        ("callPurposes.read callPurposes.delete", false, true),
        (
            "callPurposes.read callPurposes.write callPurposes.delete",
            true,
            true,
        ),
        ("callPurposes.all", true, true),
    ];

    for (scopes, can_write, can_delete) in cases {
        let body = app
            .query_as(
                Some(&token(1, scopes)),
                "query($id: ID!) { callPurpose(id: $id) { canWrite canDelete } }",
                json!({ "id": PURPOSE_ID }),
            )
            .await;

        let purpose = &body["data"]["callPurpose"];
        assert_eq!(purpose["canWrite"], can_write, "canWrite with {scopes}");
        assert_eq!(purpose["canDelete"], can_delete, "canDelete with {scopes}");
    }
}

async fn a_token_minted_by_the_cli_is_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_callpurpose-gateway"))
        .args([
            "token",
            "--user",
            "1",
            "--scopes",
            "callPurposes.read",
            "--ttl",
            "5m",
        ])
        .env("JWT_SECRET", SECRET)
        .output()
        .await
        .expect("the binary runs");
    let minted = String::from_utf8_lossy(&output.stdout).trim().to_owned();

    let body = app
        .query_as(Some(&minted), "{ viewer { email } }", json!({}))
        .await;

    assert!(output.status.success());
    assert_eq!(
        minted.matches('.').count(),
        2,
        "a JWT alone on stdout: {minted}"
    );
    assert_eq!(body["data"]["viewer"]["email"], "demo@example.com");
}

async fn rs256_tokens_are_checked_against_the_configured_public_key(backend: Backend) {
    let keys = tempfile::tempdir().expect("a folder");
    let private = keys.path().join("private.pem");
    let public = keys.path().join("public.pem");
    let openssl = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .status()
            .expect("openssl runs");
        assert!(status.success(), "openssl {args:?}");
    };
    // A PKCS#1 private key (what jsonwebtoken signs with) and the public
    // half in the usual SubjectPublicKeyInfo PEM an operator would deploy.
    openssl(&[
        "genrsa",
        "-traditional",
        "-out",
        private.to_str().unwrap_or_default(),
        "2048",
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap_or_default(),
        "-pubout",
        "-out",
        public.to_str().unwrap_or_default(),
    ]);
    let app = TestApp::spawn_with(
        backend,
        &["--jwt-public-key-file", public.to_str().unwrap_or_default()],
    )
    .await;
    let pem = std::fs::read(&private).expect("the private key");
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": "1", "scope": "callPurposes.read", "exp": now + 60 });
    let rs256 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&pem).expect("an RSA key"),
    )
    .expect("a token");

    let accepted = app
        .query_as(Some(&rs256), "{ viewer { email } }", json!({}))
        .await;
    let hs256 = app
        .query_as(
            Some(&token(1, "callPurposes.read")),
            "{ viewer { email } }",
            json!({}),
        )
        .await;

    assert_eq!(
        accepted["data"]["viewer"]["email"], "demo@example.com",
        "{accepted}"
    );
    assert_eq!(
        error_codes(&hs256),
        vec!["UNAUTHENTICATED"],
        "an HS256 token is refused"
    );
}

each_backend!(
    rs256_tokens_are_checked_against_the_configured_public_key,
    every_root_field_answers_each_credential_as_the_contract_says,
    can_write_and_can_delete_report_the_viewers_scopes,
    a_token_minted_by_the_cli_is_accepted,
);
