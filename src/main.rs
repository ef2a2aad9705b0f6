//! The `tessera` command: `serve` (default), `migrate`, `seed FILE`, `openapi`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tessera::app::{self, Application};
use tessera::config::Settings;

#[derive(Parser)]
#[command(version, about = "Seat-level reservation service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load layouts and shows from a JSON seed file (idempotent).
    Seed { file: PathBuf },
    /// Print the OpenAPI spec.
    Openapi,
}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

/// Seat maps of big venues are rebuilt as multi-megabyte buffers many times a second during
/// a sale. With glibc's defaults freed buffers of that size stay in fragmented per-thread
/// arenas and the resident size only grows (the benchmark measured 250+ MB); a fixed mmap
/// threshold hands every large buffer straight back to the kernel, and fewer arenas keep
/// small-object fragmentation down.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", tessera::api::spec_json());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    tessera::telemetry::init(settings.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let (_db, embedded) = app::database(&settings).await?;
            if let Some(pg) = embedded {
                pg.stop();
            }
            tracing::info!("migrations are up to date");
            Ok(())
        }
        Command::Seed { file } => {
            let (db, embedded) = app::database(&settings).await?;
            let result = tessera::seed::seed_file(&db, &file).await;
            if let Some(pg) = embedded {
                pg.stop();
            }
            let report = result.with_context(|| format!("seeding from {}", file.display()))?;
            tracing::info!(
                layouts = report.layouts,
                shows = report.shows,
                "seed file applied"
            );
            Ok(())
        }
        Command::Openapi => unreachable!("handled before settings are read"),
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
