//! The `callpurpose-gateway` binary: parse the command line, set up logging,
//! run the subcommand.

use std::io::Write as _;

use anyhow::Context as _;
use callpurpose_gateway::app::{self, Application};
use callpurpose_gateway::config::{Cli, Command, CommonArgs, MigrateAction, SeedArgs, ServeArgs};
use callpurpose_gateway::db::Db;
use callpurpose_gateway::{auth, graphql, seed, telemetry};
use clap::Parser as _;
use migration::{Migrator, MigratorTrait as _};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.common.log_format);

    match cli.command {
        None => serve(&cli.common, &ServeArgs::from_env()).await,
        Some(Command::Serve(args)) => serve(&cli.common, &args).await,
        Some(Command::Migrate { action }) => migrate(&cli.common, action).await,
        Some(Command::PrintSchema { federation }) => print(&graphql::sdl(federation)),
        Some(Command::Seed(args)) => seed(&cli.common, &args).await,
        Some(Command::Token(args)) => {
            let token = auth::mint(&args.jwt_secret, args.user, &args.scopes, args.ttl)?;
            print(&format!("{token}\n"))
        }
    }
}

async fn serve(common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(common, args).await?;
    app.run_until(app::shutdown_signal()).await
}

async fn migrate(common: &CommonArgs, action: MigrateAction) -> anyhow::Result<()> {
    let db = Db::connect(&common.database_url, 1).await?;
    match action {
        MigrateAction::Up => Migrator::up(&db.conn, None).await?,
        MigrateAction::Down => Migrator::down(&db.conn, Some(1)).await?,
        MigrateAction::Fresh => Migrator::fresh(&db.conn).await?,
        MigrateAction::Status => {
            let mut text = String::new();
            for migration in Migrator::get_migration_with_status(&db.conn).await? {
                text.push_str(&format!("{}\t{}\n", migration.status(), migration.name()));
            }
            print(&text)?;
        }
    }
    Ok(())
}

async fn seed(common: &CommonArgs, args: &SeedArgs) -> anyhow::Result<()> {
    let db = Db::connect(&common.database_url, 2).await?;
    db.migrate().await?;
    match (args.users, args.purposes, args.calls) {
        (Some(users), Some(purposes), Some(calls)) => {
            let started = std::time::Instant::now();
            seed::sized(
                &db.conn,
                seed::Sizes {
                    users,
                    purposes,
                    calls,
                },
            )
            .await?;
            tracing::info!(
                users,
                purposes,
                calls,
                seconds = started.elapsed().as_secs_f64(),
                "seeded"
            );
        }
        _ => {
            let wrote = seed::demo_if_empty(&db.conn).await?;
            tracing::info!(wrote, "demo data");
        }
    }
    Ok(())
}

fn print(text: &str) -> anyhow::Result<()> {
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing to stdout")
}
