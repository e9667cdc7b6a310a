//! Start-up and shutdown of the server: database, schema, listener.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;

use crate::auth::Authenticator;
use crate::config::{CommonArgs, ServeArgs};
use crate::db::Db;
use crate::graphql;
use crate::http::{self, AppState};
use crate::seed;

/// Most operations one batched request may hold.
const MAX_BATCH: usize = 10;

/// A server that is bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: Db,
}

impl Application {
    /// Connects, migrates, writes the demo data on an empty database and
    /// binds the listener.
    pub async fn build(common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<Application> {
        let db = Db::connect(&common.database_url, common.database_max_connections).await?;
        db.migrate().await?;
        if !args.no_demo_data && seed::demo_if_empty(&db.conn).await? {
            tracing::info!("wrote the demo user and call purposes");
        }

        let (auth, generated) = Authenticator::from_config(&args.auth)?;
        let demo_token = if generated {
            demo_token(&db, &auth).await?
        } else {
            None
        };

        let schema = graphql::builder(&args.limits).data(db.clone()).finish();
        let state = AppState {
            schema,
            db: db.clone(),
            auth: Arc::new(auth),
            demo_token,
            max_body_bytes: args.max_body_bytes,
            max_batch: MAX_BATCH,
            limits: (&args.limits).into(),
        };
        let router = http::router(state, args.request_timeout);

        let address = SocketAddr::new(args.host, args.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("binding {address}"))?;
        Ok(Application {
            listener,
            router,
            db,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, lets requests in flight finish,
    /// then closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let address = self.address()?;
        tracing::info!(%address, graphiql = %format!("http://{address}/graphql"), "listening");

        // Responses go out whole: without TCP_NODELAY the tail of a large
        // response can wait for the client's delayed acknowledgement.
        let listener = self.listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving")?;

        tracing::info!("requests drained; closing the database pool");
        self.db.conn.close().await.context("closing the pool")?;
        Ok(())
    }
}

/// A token for the demo user, logged for local use when the server made its
/// own secret (nobody else can mint one then).
async fn demo_token(db: &Db, auth: &Authenticator) -> anyhow::Result<Option<String>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let demo = entity::User::find()
        .filter(entity::user::Column::Email.eq(seed::DEMO_EMAIL))
        .one(&db.conn)
        .await?;
    let Some(demo) = demo else {
        return Ok(None);
    };
    let token = auth.mint(
        demo.id,
        crate::domain::permissions::ALL,
        Duration::from_secs(86_400),
    );
    if let Some(token) = &token {
        // Printed rather than logged: tokens stay out of log collectors, and
        // this one is only good until the process stops.
        tracing::info!(
            "no JWT_SECRET configured: made a random secret for this run; GraphiQL has \
             the demo user's token filled in, and stdout shows it for other clients"
        );
        let line = format!("Authorization: Bearer {token}\n");
        let _ = std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes());
    }
    Ok(token)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
