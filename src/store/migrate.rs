//! Schema migrations: the numbered SQL files in `sql/`, embedded in the binary.

use anyhow::Context;

use super::Db;

mod embedded {
    refinery::embed_migrations!("sql");
}

/// An arbitrary, fixed advisory-lock key: instances starting together migrate one at a time.
pub const MIGRATION_LOCK: i64 = 0x0074_6573_7365_7261; // "tessera"

/// How long one migration statement may wait for a table lock. A schema change that
/// queues behind a long transaction also blocks every request that comes after it, so it
/// gives up instead (the instance fails to start and is started again later).
const LOCK_TIMEOUT: &str = "5s";

/// Applies pending migrations. Safe to call from several instances at once: they queue on
/// an advisory lock (for as long as the one ahead takes) and the later ones find nothing
/// to do.
///
/// The pool's sessions cut statements off after the request timeout; a migration may take
/// longer (an index on a big table) and waiting for the lock takes as long as the other
/// instance's migration, so this session lifts that limit and waits for table locks at most
/// [`LOCK_TIMEOUT`] instead, then puts both back before the connection returns to the pool.
pub async fn run(db: &Db) -> anyhow::Result<()> {
    let mut client = db
        .client()
        .await
        .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))?;
    let client = client.driver();
    client
        .batch_execute("SET statement_timeout = 0; SET lock_timeout = 0")
        .await
        .context("preparing the migration session")?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .context("taking the migration lock")?;
    client
        .batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'"))
        .await
        .context("preparing the migration session")?;
    let report = embedded::migrations::runner()
        .set_abort_divergent(true)
        .run_async(client)
        .await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .context("releasing the migration lock")?;
    client
        .batch_execute("RESET statement_timeout; RESET lock_timeout")
        .await
        .context("ending the migration session")?;
    let report = report.context("applying migrations")?;
    for migration in report.applied_migrations() {
        tracing::info!(migration = %migration, "applied migration");
    }
    Ok(())
}
