//! The errors clients see, each with a stable `extensions.code`.
//!
//! Internal causes never reach a client: they are logged once, inside the
//! request's span (so with its request id), and the client reads `INTERNAL`.

use std::collections::HashSet;
use std::fmt::Display;
use std::sync::Mutex;

use async_graphql::ErrorExtensions;

/// A top-level GraphQL error.
///
/// It deliberately does not implement `Display`: async-graphql converts any
/// displayable error into a plain one, and that would lose the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No token, a bad signature, an expired token or an unknown user.
    Unauthenticated(String),
    /// The token lacks the scope the field needs.
    Forbidden {
        /// The missing scope.
        scope: &'static str,
    },
    /// An argument breaks a rule; `argument` names it.
    BadUserInput {
        /// The argument's name as written in the query, e.g. `first`.
        argument: String,
        /// The rule it breaks.
        message: String,
    },
    /// A global id that decodes but names nothing.
    NotFound(String),
    /// Something failed inside the service; the cause is in the log.
    Internal,
}

impl ApiError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden { .. } => "FORBIDDEN",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Internal => "INTERNAL",
        }
    }

    /// The message the client reads.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(message) | ApiError::NotFound(message) => message.clone(),
            ApiError::Forbidden { scope } => {
                format!("this needs the `{scope}` scope (or `callPurposes.all`)")
            }
            ApiError::BadUserInput { argument, message } => format!("{argument}: {message}"),
            ApiError::Internal => {
                "internal error; the x-request-id response header finds it in the logs".into()
            }
        }
    }

    /// An argument error.
    pub fn bad_input(argument: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadUserInput {
            argument: argument.into(),
            message: message.into(),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code();
        let argument = match &error {
            ApiError::BadUserInput { argument, .. } => Some(argument.clone()),
            _ => None,
        };
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(argument) = argument {
                extensions.set("argument", argument);
            }
        })
    }
}

/// Remembers which internal causes a request has logged, so that a failure
/// shared by many fields (one failed batch, say) is logged once.
#[derive(Debug, Default)]
pub struct InternalErrors {
    logged: Mutex<HashSet<String>>,
}

impl InternalErrors {
    /// Logs `cause` unless this request logged it already, and returns the
    /// error the client sees.
    pub fn report(&self, cause: impl Display) -> ApiError {
        let cause = cause.to_string();
        let first_time = match self.logged.lock() {
            Ok(mut logged) => logged.insert(cause.clone()),
            Err(_) => true,
        };
        if first_time {
            tracing::error!(error.cause = %cause, "internal error");
        }
        ApiError::Internal
    }
}
