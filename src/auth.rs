//! Bearer tokens: JWTs signed with HS256 (a shared secret) or RS256 (an RSA
//! key pair, of which the service holds only the public half).

use std::time::Duration;

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::config::AuthArgs;
use crate::domain::permissions::Scopes;

/// The claims this service reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's databaseId, as a string.
    pub sub: String,
    /// Space-separated scope names.
    #[serde(default)]
    pub scope: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time, seconds since the epoch; optional, as in RFC 7519.
    #[serde(default)]
    pub iat: u64,
}

/// What a request's `Authorization` header proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No header.
    Missing,
    /// A header that proved nothing; the text says why.
    Invalid(&'static str),
    /// A valid token for this user id with these scopes.
    Token {
        /// The `sub` claim.
        user_id: i32,
        /// The `scope` claim.
        scopes: Scopes,
    },
}

/// Checks tokens, and mints them when it holds a secret.
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithms", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An HS256 authenticator for `secret`.
    pub fn hs256(secret: &[u8]) -> Authenticator {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Authenticator {
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            validation,
        }
    }

    /// An RS256 authenticator for a PEM public key; it cannot mint tokens.
    pub fn rs256(public_key_pem: &[u8]) -> anyhow::Result<Authenticator> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Authenticator {
            decoding: DecodingKey::from_rsa_pem(public_key_pem)
                .context("reading the RS256 public key")?,
            encoding: None,
            validation,
        })
    }

    /// Builds the authenticator the configuration asks for. With nothing
    /// configured, a random secret is made and `true` says so.
    pub fn from_config(args: &AuthArgs) -> anyhow::Result<(Authenticator, bool)> {
        if let Some(path) = &args.jwt_public_key_file {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            return Ok((Authenticator::rs256(&pem)?, false));
        }
        if let Some(secret) = args.jwt_secret.as_ref().filter(|s| !s.is_empty()) {
            anyhow::ensure!(
                secret.len() >= 32,
                "JWT_SECRET must be at least 32 bytes long to resist guessing"
            );
            return Ok((Authenticator::hs256(secret.as_bytes()), false));
        }
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Ok((Authenticator::hs256(&secret), true))
    }

    /// Reads an `Authorization` header value (or its absence).
    pub fn check(&self, header: Option<&str>) -> Credentials {
        let Some(header) = header else {
            return Credentials::Missing;
        };
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return Credentials::Invalid("the Authorization header must be `Bearer <token>`");
        };

        let claims =
            match jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &self.validation) {
                Ok(data) => data.claims,
                Err(error) => {
                    use jsonwebtoken::errors::ErrorKind;
                    return Credentials::Invalid(match error.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::InvalidSignature => "the token's signature is not valid",
                        _ => "the token is not a valid JWT for this service",
                    });
                }
            };
        match claims.sub.parse() {
            Ok(user_id) => Credentials::Token {
                user_id,
                scopes: Scopes::parse(&claims.scope),
            },
            Err(_) => Credentials::Invalid("the token's `sub` is not a user's databaseId"),
        }
    }

    /// Mints a token, if this authenticator holds a signing key.
    pub fn mint(&self, user_id: i32, scopes: &str, ttl: Duration) -> Option<String> {
        let encoding = self.encoding.as_ref()?;
        mint_with(encoding, user_id, scopes, ttl).ok()
    }
}

/// Mints an HS256 token with `secret`.
pub fn mint(secret: &str, user_id: i32, scopes: &str, ttl: Duration) -> anyhow::Result<String> {
    mint_with(
        &EncodingKey::from_secret(secret.as_bytes()),
        user_id,
        scopes,
        ttl,
    )
}

fn mint_with(
    key: &EncodingKey,
    user_id: i32,
    scopes: &str,
    ttl: Duration,
) -> anyhow::Result<String> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: user_id.to_string(),
        scope: scopes.to_owned(),
        iat: now,
        exp: now + ttl.as_secs(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key).context("signing the token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::Scope;

    const SECRET: &str = "a-test-secret-that-is-long-enough!!";

    #[test]
    fn a_minted_token_checks_out_with_its_user_and_scopes() {
        let auth = Authenticator::hs256(SECRET.as_bytes());
        let token = mint(SECRET, 7, "callPurposes.read", Duration::from_secs(60));

        let credentials = auth.check(token.ok().map(|t| format!("Bearer {t}")).as_deref());

        match credentials {
            Credentials::Token { user_id, scopes } => {
                assert_eq!(user_id, 7);
                assert!(scopes.allows(Scope::Read) && !scopes.allows(Scope::Write));
            }
            other => panic!("expected a token, got {other:?}"),
        }
    }

    #[test]
    fn bad_headers_signatures_and_expiry_are_refused() {
        let auth = Authenticator::hs256(SECRET.as_bytes());
        let other = mint(
            "another-secret-that-is-long-enough!",
            1,
            "",
            Duration::from_secs(60),
        )
        .unwrap_or_default();
        let expired = {
            let now = jsonwebtoken::get_current_timestamp();
            let claims = Claims {
                sub: "1".into(),
                scope: String::new(),
                iat: now - 100,
                exp: now - 10,
            };
            jsonwebtoken::encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .unwrap_or_default()
        };
        let cases = [
            ("Basic abc".to_owned(), "not bearer"),
            ("Bearer not-a-jwt".to_owned(), "garbage"),
            (format!("Bearer {other}"), "signed with another secret"),
            (format!("Bearer {expired}"), "expired"),
        ];
        for (header, what) in cases {
            assert!(
                matches!(auth.check(Some(&header)), Credentials::Invalid(_)),
                "{what} should be refused"
            );
        }
        assert_eq!(auth.check(None), Credentials::Missing);
    }
}
