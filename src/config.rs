//! Command line and environment: one typed struct per subcommand.
//!
//! Every flag can also be set from the environment variable named in its
//! help, so `--help` is the reference for configuration.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// GraphQL gateway for the call purposes sales teams use to label call logs.
#[derive(Debug, Parser)]
#[command(name = "callpurpose-gateway", version, about)]
pub struct Cli {
    /// Settings every subcommand shares.
    #[command(flatten)]
    pub common: CommonArgs,

    /// What to do; `serve` when none is given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by all subcommands.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database to use: `sqlite://path?mode=rwc`, `postgres://...` or
    /// `mysql://...`. The default is an SQLite file under ./data/, created on
    /// first start.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub database_max_connections: u32,

    /// Log format: `pretty` for people, `json` for log collectors. Levels
    /// come from RUST_LOG (default `info`).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

/// The default database: an SQLite file beside the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/callpurposes.db?mode=rwc";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when the output is a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, create the demo data on an empty database
    /// and serve the API (the default).
    Serve(ServeArgs),
    /// Apply, revert or inspect schema migrations.
    Migrate {
        /// Which migration action to run.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL) to stdout.
    PrintSchema {
        /// Print the Apollo Federation v2 subgraph SDL instead.
        #[arg(long)]
        federation: bool,
    },
    /// Write demo data, or benchmark-sized data when sizes are given.
    Seed(SeedArgs),
    /// Mint a bearer token for a user and a set of scopes.
    Token(TokenArgs),
}

/// Migration actions.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List every migration and whether it is applied.
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

/// Settings of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Longest time one request may take, e.g. `10s` or `500ms`; slower
    /// requests are answered 503.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Skip creating the demo user and purposes on an empty database.
    #[arg(long, env = "NO_DEMO_DATA")]
    pub no_demo_data: bool,

    /// Limits applied to every GraphQL operation.
    #[command(flatten)]
    pub limits: LimitArgs,

    /// How bearer tokens are checked.
    #[command(flatten)]
    pub auth: AuthArgs,
}

impl ServeArgs {
    /// The settings of a bare `callpurpose-gateway` with no subcommand:
    /// defaults, overridden by the environment.
    pub fn from_env() -> ServeArgs {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Defaults::parse_from(["serve"]).serve
    }
}

/// Limits on GraphQL operations.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deepest selection nesting accepted.
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 15)]
    pub max_query_depth: usize,

    /// Largest query complexity accepted; a connection's selection counts
    /// once per item of the page it asks for.
    #[arg(long, env = "MAX_QUERY_COMPLEXITY", default_value_t = 300_000)]
    pub max_query_complexity: usize,

    /// Most aliases one operation may use.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Turn introspection off (for production deployments that publish
    /// their schema elsewhere).
    #[arg(long, env = "DISABLE_INTROSPECTION")]
    pub disable_introspection: bool,

    /// Turn off "did you mean" suggestions in validation errors.
    #[arg(long, env = "DISABLE_SUGGESTIONS")]
    pub disable_suggestions: bool,
}

impl Default for LimitArgs {
    /// The limits `serve` applies when nothing is configured.
    fn default() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            limits: LimitArgs,
        }
        Defaults::parse_from(["defaults"]).limits
    }
}

/// Token verification.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Secret for HS256 tokens. When neither this nor a public key is set,
    /// `serve` makes a random one and logs a ready-to-use demo token.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// PEM file with an RSA public key for RS256 tokens.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
}

/// Settings of `seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Users to write (benchmark data).
    #[arg(long, requires_all = ["purposes", "calls"])]
    pub users: Option<u32>,

    /// Call purposes to write (benchmark data).
    #[arg(long, requires_all = ["users", "calls"])]
    pub purposes: Option<u32>,

    /// Calls to write (benchmark data).
    #[arg(long, requires_all = ["users", "purposes"])]
    pub calls: Option<u32>,
}

/// Settings of `token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The user's databaseId, stored as the token's `sub`.
    #[arg(long)]
    pub user: i32,

    /// Space-separated scopes, e.g. "callPurposes.read callPurposes.write".
    #[arg(long, default_value = "callPurposes.all")]
    pub scopes: String,

    /// How long the token stays valid, e.g. `1h`, `30m`, `7d`.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub ttl: Duration,

    /// How tokens are signed; only the HS256 secret can sign.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: String,
}

/// Parses `500ms`, `10s`, `5m`, `1h` or `7d`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 10s, 5m or 1h"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(amount)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{unit}` is not a unit: use ms, s, m, h or d")),
    };
    Ok(Duration::from_secs(amount * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_every_unit() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("10", Duration::from_secs(10)),
            ("10s", Duration::from_secs(10)),
            ("5m", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("7d", Duration::from_secs(604_800)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(expected), "parsing {text}");
        }
    }

    #[test]
    fn durations_refuse_unknown_units_and_garbage() {
        for text in ["", "h", "10y", "1.5h", "-1s"] {
            assert!(parse_duration(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
