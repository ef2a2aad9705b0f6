//! Schema migrations: the numbered SQL files in `sql/`, embedded in the binary.

use anyhow::Context;

use super::Db;

mod embedded {
    refinery::embed_migrations!("sql");
}

/// An arbitrary, fixed advisory-lock key: instances starting together migrate one at a time.
const MIGRATION_LOCK: i64 = 0x0074_6573_7365_7261; // "tessera"

/// Applies pending migrations. Safe to call from several instances at once: they queue on
/// an advisory lock and the later ones find nothing to do.
pub async fn run(db: &Db) -> anyhow::Result<()> {
    let mut client = db
        .client()
        .await
        .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))?;
    let client: &mut tokio_postgres::Client = &mut client;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .context("taking the migration lock")?;
    let report = embedded::migrations::runner()
        .set_abort_divergent(true)
        .run_async(client)
        .await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .context("releasing the migration lock")?;
    let report = report.context("applying migrations")?;
    for migration in report.applied_migrations() {
        tracing::info!(migration = %migration, "applied migration");
    }
    Ok(())
}
