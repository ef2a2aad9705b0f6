//! Behind a pooler in transaction mode (`DATABASE_POOLER=transaction`): PgBouncer 1.18,
//! as Debian 12 ships it, hands each transaction whichever server connection is free, so
//! a statement prepared on one is missing on the next. The service then sends unnamed
//! statements only, and its session settings start each transaction.
//!
//! The whole mixed-operation property test also runs behind PgBouncer (`mixed.rs`).

use std::time::Duration;

use tessera::config::Settings;
use tessera::store::pgbouncer::PgBouncer;
use tessera::store::{Db, PoolSettings, Pooler};

use crate::helpers::{fresh_database, test_settings};

/// A PgBouncer of the test's own in front of the server of `direct_url`, with at most
/// `server_connections` server connections, and the URL of the same database through it.
pub async fn start(direct_url: &str, server_connections: u32) -> (PgBouncer, String) {
    let config: tokio_postgres::Config = direct_url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        other => panic!("the test server is not on TCP: {other:?}"),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pgbouncer-{}", uuid::Uuid::new_v4().simple()));
    let bouncer = PgBouncer::start(&dir, (&host, port), server_connections)
        .await
        .unwrap();
    let url = bouncer.url(config.get_dbname().unwrap());
    (bouncer, url)
}

/// Test settings for an instance behind the pooler at `pooled_url`, migrating (if need
/// be) at `direct_url`.
pub fn settings(direct_url: &str, pooled_url: &str) -> Settings {
    let mut settings = test_settings(pooled_url);
    settings.database_pooler = Pooler::Transaction;
    settings.migrate_url = Some(direct_url.to_owned());
    settings
}

fn pool(url: &str, pooler: Pooler) -> Db {
    Db::connect(&PoolSettings {
        url: url.to_owned(),
        max_size: 4,
        read_max_size: 4,
        timeout: Duration::from_secs(10),
        pooler,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_statements_break_behind_a_transaction_pooler_and_unnamed_ones_do_not() {
    let direct = fresh_database().await;
    let (_bouncer, pooled) = start(&direct, 2).await;

    // Four clients on two server connections, preparing named statements as the driver
    // does by default: a statement prepared on one server connection is run on another.
    let named = futures_util::future::join_all((0..4).map(|_| {
        let pooled = pooled.clone();
        async move {
            let (client, connection) = tokio_postgres::connect(&pooled, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let mut failures = Vec::new();
            for i in 0..25i64 {
                let result = async {
                    let statement = client.prepare("SELECT $1::int8 + 1").await?;
                    client.query_one(&statement, &[&i]).await
                }
                .await;
                if let Err(err) = result {
                    failures.push(
                        err.as_db_error()
                            .map_or(err.to_string(), |e| e.message().to_owned()),
                    );
                }
            }
            failures
        }
    }))
    .await
    .concat();
    assert!(
        named.iter().any(|e| e.contains("prepared statement")),
        "named statements went through a transaction pooler unharmed: {named:?}"
    );

    // The same load with the service's unnamed statements: every answer right.
    let db = pool(&pooled, Pooler::Transaction);
    let sums = futures_util::future::join_all((0..4).map(|_| {
        let db = db.clone();
        async move {
            let mut sums = Vec::new();
            for i in 0..25i64 {
                let client = db.read_client().await.unwrap();
                let row = client.one("SELECT $1::int8 + 1", &[&i]).await.unwrap();
                sums.push(row.get::<_, i64>(0) - i);
            }
            sums
        }
    }))
    .await
    .concat();
    assert_eq!(sums, vec![1; 100]);

    // The session settings travel with every transaction, whichever server connection it
    // lands on (PgBouncer refuses them as a startup parameter).
    for _ in 0..4 {
        let settings = db
            .serializable("settings", &(), |tx, _| {
                Box::pin(async move {
                    tx.begin_with(async { Ok(()) }).await?;
                    let row = tx
                        .one(
                            "SELECT current_setting('enable_seqscan'), \
                                    current_setting('statement_timeout'), \
                                    current_setting('transaction_isolation')",
                            &[],
                        )
                        .await
                        .map_err(tessera::store::db_error)?;
                    Ok((
                        row.get::<_, String>(0),
                        row.get::<_, String>(1),
                        row.get::<_, String>(2),
                    ))
                })
            })
            .await
            .unwrap();
        assert_eq!(
            settings,
            (
                "off".to_owned(),
                "10s".to_owned(),
                "serializable".to_owned()
            )
        );
    }
}
