//! Liveness, readiness and metrics.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::http::AppState;

/// How long `/ready` waits for the database before saying no.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /health`: the process answers; nothing else is touched.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// `GET /ready`: 200 when the database answers, 503 while it does not.
pub async fn ready(State(app): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, app.db.conn.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        outcome => {
            let cause = match outcome {
                Ok(Err(error)) => error.to_string(),
                _ => format!("no answer within {READY_TIMEOUT:?}"),
            };
            tracing::warn!(error.cause = %cause, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database not reachable" })),
            )
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let body = format!(
        "# HELP callpurpose_sql_statements_total SQL statements executed since start.\n\
         # TYPE callpurpose_sql_statements_total counter\n\
         callpurpose_sql_statements_total {}\n",
        app.db.statement_count()
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
