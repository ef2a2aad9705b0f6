//! The pipelined transaction (`BEGIN` with the first statements, `COMMIT` with the last
//! writes) keeps all-or-nothing, and an abandoned transaction never reaches the next user
//! of its connection.

use std::time::Duration;

use tessera::domain::{Code, Error};
use tessera::store::sql::Param;
use tessera::store::{Db, PoolSettings};

use crate::helpers::{eventually, fresh_database};

/// A pool of one connection (so the next transaction reuses the previous one's) on a fresh
/// database with a scratch table.
async fn one_connection_db() -> Db {
    let db = Db::connect(&PoolSettings {
        url: fresh_database().await,
        max_size: 1,
        read_max_size: 1,
        timeout: Duration::from_secs(10),
        pooler: Default::default(),
    })
    .unwrap();
    db.client()
        .await
        .unwrap()
        .batch_execute("CREATE TABLE probe (id int PRIMARY KEY)")
        .await
        .unwrap();
    db
}

async fn probe_ids(db: &Db) -> Vec<i32> {
    let client = db.client().await.unwrap();
    client
        .rows("SELECT id FROM probe ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Inserts `ids` (one statement each) in a transaction that commits with the inserts.
async fn insert_all(db: &Db, ids: &[i32]) -> Result<(), Error> {
    db.serializable("probe", ids, |tx, ids| {
        Box::pin(async move {
            let insert = "INSERT INTO probe VALUES ($1) RETURNING id";
            tx.begin_with(async { Ok(()) }).await?;
            let params: Vec<[&dyn Param; 1]> = ids.iter().map(|id| [id as _]).collect();
            let writes: Vec<_> = params.iter().map(|p| (insert, &p[..])).collect();
            let rows = tx.commit_with(&writes).await?;
            assert_eq!(rows.len(), ids.len(), "one result per write");
            Ok(())
        })
    })
    .await
}

#[tokio::test]
async fn writes_sent_with_commit_are_all_or_nothing() {
    let db = one_connection_db().await;
    insert_all(&db, &[1, 2, 3]).await.unwrap();
    assert_eq!(probe_ids(&db).await, [1, 2, 3]);

    // The third write fails (duplicate key): the two before it, already executed inside
    // the transaction, must not survive the COMMIT that was sent behind them.
    let err = insert_all(&db, &[4, 5, 1, 6]).await.unwrap_err();
    assert_eq!(err.kind(), tessera::domain::ErrorKind::Internal, "{err:?}");
    assert_eq!(probe_ids(&db).await, [1, 2, 3]);

    // The connection is usable and outside any transaction afterwards.
    insert_all(&db, &[7]).await.unwrap();
    assert_eq!(probe_ids(&db).await, [1, 2, 3, 7]);
}

#[tokio::test]
async fn an_abandoned_transaction_is_rolled_back_before_its_connection_is_reused() {
    let db = one_connection_db().await;
    // The body writes, then fails before committing (as a hold does when a seat is taken).
    let err = db
        .serializable("probe", &(), |tx, ()| {
            Box::pin(async move {
                tx.begin_with(async {
                    tx.exec("INSERT INTO probe VALUES (10)", &[])
                        .await
                        .map_err(tessera::store::db_error)
                })
                .await?;
                Err::<(), _>(Error::new(Code::BookingCancelled, "changed its mind"))
            })
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::BookingCancelled);
    // The only connection comes back once its rollback is through, with nothing written
    // and no transaction left open.
    let open: i64 = eventually(Duration::from_secs(5), "the rollback", || async {
        let client = db.client().await.ok()?;
        let row = client
            .one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
                &[],
            )
            .await
            .ok()?;
        Some(row.get(0))
    })
    .await;
    assert_eq!(open, 0);
    assert!(probe_ids(&db).await.is_empty());

    // A transaction cut off mid-flight (its future dropped, as a request timeout does) is
    // rolled back the same way.
    let cut = tokio::time::timeout(
        Duration::from_millis(300),
        db.serializable("probe", &(), |tx, ()| {
            Box::pin(async move {
                tx.begin_with(async {
                    tx.batch_execute("INSERT INTO probe VALUES (11); SELECT pg_sleep(1)")
                        .await
                        .map_err(tessera::store::db_error)
                })
                .await
            })
        }),
    )
    .await;
    assert!(cut.is_err(), "the transaction should still be sleeping");
    assert!(probe_ids(&db).await.is_empty());
}

/// Write transactions plan their statements once per connection (generic plans); the
/// setting ends with the transaction, so reads outside keep planning per parameter.
#[tokio::test]
async fn write_transactions_use_generic_plans_and_reads_do_not() {
    let db = one_connection_db().await;
    let inside: String = db
        .serializable("probe", &(), |tx, ()| {
            Box::pin(async move {
                let row = tx
                    .begin_with(async {
                        tx.one("SHOW plan_cache_mode", &[])
                            .await
                            .map_err(tessera::store::db_error)
                    })
                    .await?;
                tx.commit().await?;
                Ok(row.get(0))
            })
        })
        .await
        .unwrap();
    assert_eq!(inside, "force_generic_plan");
    // The pool has one connection: this is the same session, after the commit.
    let client = db.client().await.unwrap();
    let after: String = client
        .one("SHOW plan_cache_mode", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(after, "auto");
}

/// A connection whose server stopped taking writes (a primary demoted by a failover,
/// reached through a pooler whose connection to us outlived it) answers 503, and is closed
/// rather than handed to the next request, which then gets a fresh connection.
#[tokio::test]
async fn a_connection_to_a_server_that_stopped_taking_writes_is_replaced() {
    let db = one_connection_db().await;
    // The pool's one connection turns read-only, as a demoted primary's sessions do.
    db.client()
        .await
        .unwrap()
        .batch_execute("SET default_transaction_read_only = on")
        .await
        .unwrap();
    let err = insert_all(&db, &[1]).await.unwrap_err();
    assert_eq!(err.code, Code::ServiceUnavailable, "{err:?}");
    // Kept, the connection would refuse this write too.
    insert_all(&db, &[2]).await.unwrap();
    assert_eq!(probe_ids(&db).await, [2]);
}
