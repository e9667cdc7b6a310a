//! `/graphql` over HTTP, as the GraphQL-over-HTTP specification asks:
//! media types negotiated from `Accept`, request errors as 4xx under
//! `application/graphql-response+json`, mutations refused over GET, and
//! CSRF-prone POSTs refused before they are read.

use std::time::Instant;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Request, Response as GraphQLResponse};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::graphql::RequestState;
use crate::graphql::loaders::Loaders;
use crate::http::AppState;

/// The JSON media type older clients ask for.
const JSON: &str = "application/json";
/// The media type of the GraphQL-over-HTTP specification.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Which media type the response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    GraphQLResponse,
}

impl MediaType {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::Json => "application/json; charset=utf-8",
            MediaType::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`: the first acceptable one in
/// the client's order, skipping `q=0`. No header means `application/json`.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(MediaType::Json);
    };
    let accept = accept.to_str().ok()?;
    accept.split(',').find_map(|item| {
        let mut parts = item.split(';').map(str::trim);
        let range = parts.next()?.to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.replace(' ', "")
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                == Some(0.0)
        });
        if refused {
            return None;
        }
        match range.as_str() {
            GRAPHQL_RESPONSE => Some(MediaType::GraphQLResponse),
            JSON | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

/// A browser navigating to the endpoint asks for HTML first.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .next()
                .is_some_and(|first| first.trim().starts_with("text/html"))
        })
}

/// A JSON error body, as a GraphQL response without `data`. Its code is
/// one of the contract's: the request is the client's to fix, except for a
/// failure on our side.
fn request_error(media: MediaType, status: StatusCode, message: &str) -> Response {
    let code = if status.is_server_error() {
        "INTERNAL"
    } else {
        "BAD_USER_INPUT"
    };
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (
        status,
        [(header::CONTENT_TYPE, media.header())],
        body.to_string(),
    )
        .into_response()
}

fn not_acceptable() -> Response {
    request_error(
        MediaType::Json,
        StatusCode::NOT_ACCEPTABLE,
        "Accept must allow application/graphql-response+json or application/json",
    )
}

/// What the request's `Content-Type` says.
enum Body {
    Json,
    /// A type a browser may send cross-site without a preflight (or none).
    Simple,
    Other,
}

fn body_kind(headers: &HeaderMap) -> Body {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Body::Simple;
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        JSON => Body::Json,
        "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data" => Body::Simple,
        _ => Body::Other,
    }
}

/// A header that browsers only send after a CORS preflight.
fn has_preflight_header(headers: &HeaderMap) -> bool {
    headers.contains_key("x-apollo-operation-name")
        || headers.contains_key("apollo-require-preflight")
        || headers.contains_key("graphql-require-preflight")
}

/// `POST /graphql`.
pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    match body_kind(&headers) {
        Body::Json => {}
        Body::Simple if !has_preflight_header(&headers) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                "refused as a possible cross-site request forgery: send \
                 `Content-Type: application/json`",
            );
        }
        Body::Simple | Body::Other => {
            return request_error(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the request as `Content-Type: application/json`",
            );
        }
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the request body is larger than {} bytes",
                    app.max_body_bytes
                )
            } else {
                "the request body could not be read".to_owned()
            };
            return request_error(media, status, &message);
        }
    };

    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => {
            let message = format!("the body is not a GraphQL request: {error}");
            return request_error(media, StatusCode::BAD_REQUEST, &message);
        }
    };
    match batch {
        BatchRequest::Single(request) => execute(&app, &headers, media, request).await,
        BatchRequest::Batch(requests) => execute_batch(&app, &headers, media, requests).await,
    }
}

/// `GET /graphql`: GraphiQL for a browser, queries for everyone else.
pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if wants_html(&headers) && !query.contains("query=") {
        return graphiql(&app);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let mut request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("the query string is not a GraphQL request: {error}");
            return request_error(media, StatusCode::BAD_REQUEST, &message);
        }
    };
    if is_mutation(&mut request) {
        let mut response = request_error(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&app, &headers, media, request).await
}

/// Whether the operation the request selects is a mutation. A document that
/// does not parse is left to execution, which reports it properly.
fn is_mutation(request: &mut Request) -> bool {
    let wanted = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    document.operations.iter().any(|(name, operation)| {
        let selected = match (&wanted, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && operation.node.ty == OperationType::Mutation
    })
}

fn graphiql(app: &AppState) -> Response {
    let authorization = app
        .demo_token
        .as_ref()
        .map(|token| format!("Bearer {token}"));
    let mut source = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Call purposes");
    if let Some(authorization) = authorization.as_deref() {
        source = source.header("Authorization", authorization);
    }
    Html(source.finish()).into_response()
}

/// Runs one operation: the limits first, then execution, then codes on
/// the request errors.
async fn run(app: &AppState, headers: &HeaderMap, mut request: Request) -> GraphQLResponse {
    if let Err(error) = app.limits.check(&mut request) {
        return GraphQLResponse::from_errors(vec![error]);
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let credentials = app.auth.check(authorization);
    let request = request.data(RequestState::new(credentials, Loaders::new(&app.db.conn)));

    let mut response = app.schema.execute(request).await;
    app.limits.label(&mut response);
    response
}

async fn execute(
    app: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    request: Request,
) -> Response {
    let operation = request.operation_name.clone();
    let started = Instant::now();

    let response = run(app, headers, request).await;

    tracing::info!(
        graphql.operation = operation.as_deref().unwrap_or("-"),
        graphql.errors = response.errors.len(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "graphql operation"
    );
    let status = if media == MediaType::GraphQLResponse && is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    respond(media, status, &BatchResponse::Single(response))
}

async fn execute_batch(
    app: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    requests: Vec<Request>,
) -> Response {
    if requests.is_empty() || requests.len() > app.max_batch {
        let message = format!("a batch holds 1 to {} operations", app.max_batch);
        return request_error(media, StatusCode::BAD_REQUEST, &message);
    }
    let started = Instant::now();
    let count = requests.len();

    let responses = requests
        .into_iter()
        .map(|request| run(app, headers, request));
    let response = BatchResponse::Batch(futures_util::future::join_all(responses).await);

    tracing::info!(
        graphql.batch = count,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "graphql batch"
    );
    respond(media, StatusCode::OK, &response)
}

/// A request error stops before execution: no data, and errors without a
/// path (parse, validation and limit failures).
fn is_request_error(response: &GraphQLResponse) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn respond(media: MediaType, status: StatusCode, response: &BatchResponse) -> Response {
    match serde_json::to_vec(response) {
        Ok(body) => (status, [(header::CONTENT_TYPE, media.header())], body).into_response(),
        Err(error) => {
            tracing::error!(error.cause = %error, "serialising a response failed");
            request_error(media, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(header::ACCEPT, value);
        }
        headers
    }

    #[test]
    fn accept_negotiation_follows_the_clients_order() {
        let cases = [
            (
                "application/graphql-response+json",
                Some(MediaType::GraphQLResponse),
            ),
            ("application/json", Some(MediaType::Json)),
            (
                "application/graphql-response+json, application/json;q=0.9",
                Some(MediaType::GraphQLResponse),
            ),
            (
                "application/json, application/graphql-response+json",
                Some(MediaType::Json),
            ),
            ("*/*", Some(MediaType::Json)),
            (
                "application/graphql-response+json;q=0, application/json",
                Some(MediaType::Json),
            ),
            ("text/html", None),
            ("application/xml", None),
        ];
        for (value, expected) in cases {
            assert_eq!(negotiate(&accept(value)), expected, "Accept: {value}");
        }
        assert_eq!(
            negotiate(&HeaderMap::new()),
            Some(MediaType::Json),
            "no Accept"
        );
    }

    #[test]
    fn only_the_selected_operation_decides_whether_get_is_refused() {
        let document = "query Q { viewer { id } } mutation M { __typename }";
        let cases = [(Some("Q"), false), (Some("M"), true), (None, true)];
        for (operation, refused) in cases {
            let mut request = Request::new(document);
            request.operation_name = operation.map(str::to_owned);
            assert_eq!(
                is_mutation(&mut request),
                refused,
                "operation {operation:?}"
            );
        }
    }
}
