//! Read replicas: plain reads go to a streaming replica once it has replayed the last
//! change of what they read; until then, and when it is gone, the primary answers.
//!
//! The replica is real: a base backup of the test's own primary, following its WAL.
//! Pausing its replay makes it lag on demand.

use std::path::PathBuf;
use std::time::Duration;

use tessera::store::ReplicaSettings;
use tessera::store::embedded::EmbeddedPostgres;

use crate::helpers::{OwnRedis, TestApp, eventually, test_settings};

const REPLICA_READS: &str = "tessera_db_reads_total{target=\"replica\"}";

/// A primary and its streaming replica, stopped and removed when dropped.
struct Cluster {
    primary: EmbeddedPostgres,
    replica: EmbeddedPostgres,
    dir: PathBuf,
}

impl Cluster {
    async fn start() -> Self {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("replicas-{}", uuid::Uuid::new_v4().simple()));
        let primary = EmbeddedPostgres::start(&dir.join("primary")).await.unwrap();
        let replica = EmbeddedPostgres::start_replica(&primary, &dir.join("replica"))
            .await
            .unwrap();
        Self {
            primary,
            replica,
            dir,
        }
    }

    /// Runs `sql` on the replica (pausing or resuming its replay).
    async fn on_replica(&self, sql: &str) {
        let (client, connection) =
            tokio_postgres::connect(&self.replica.url(), tokio_postgres::NoTls)
                .await
                .unwrap();
        let task = tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
        drop(client);
        let _ = task.await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.replica.stop();
        self.primary.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_once_it_has_the_change_and_to_the_primary_until_then() {
    let cluster = Cluster::start().await;
    // Redis keeps each buyer's position apart (without it, one instance keeps the last
    // booking write of anyone).
    let redis = OwnRedis::start().await;
    let mut settings = test_settings(&cluster.primary.url());
    settings.redis_url = Some(redis.url());
    settings.replicas = ReplicaSettings {
        urls: vec![cluster.replica.url()],
        max_lag: Duration::from_secs(30),
    };
    // Every read loads (nothing is served from a cached copy).
    settings.cache_ttl = Duration::ZERO;
    let app = TestApp::spawn_settings(settings).await;
    let show = app.create_show(&[("A", 4)]).await;
    let other = app.create_show(&[("A", 4)]).await;
    let buyer = app.new_user().await;
    // A buyer whose last write the replica will have.
    let early = app.new_user().await;
    assert_eq!(app.hold(&early, other, &[4]).await.status, 201);

    // Once the replica has replayed the shows' creation, it serves their reads.
    let before = app.metric(REPLICA_READS).await;
    eventually(
        Duration::from_secs(10),
        "a read from the replica",
        || async {
            assert_eq!(app.seat_status(show, 0).await, "AVAILABLE");
            (app.metric(REPLICA_READS).await > before).then_some(())
        },
    )
    .await;

    // A buyer's booking history too, once the replica has their last write.
    let before = app.metric(REPLICA_READS).await;
    eventually(
        Duration::from_secs(10),
        "a booking history read from the replica",
        || async {
            let list = app.get("/bookings", Some(&early)).await;
            assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
            (app.metric(REPLICA_READS).await > before).then_some(())
        },
    )
    .await;

    // The replica stops replaying: a change of `show` is read from the primary, at once
    // and for as long as the replica lacks it.
    cluster.on_replica("SELECT pg_wal_replay_pause()").await;
    let hold = app.hold(&buyer, show, &[1]).await;
    assert_eq!(hold.status, 201, "{hold:?}");
    let before = app.metric(REPLICA_READS).await;
    for _ in 0..5 {
        assert_eq!(app.seat_status(show, 0).await, "HELD");
        let one = app.get(&format!("/shows/{show}"), None).await;
        assert_eq!(one.body["available_seats"], 3);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.metric(REPLICA_READS).await,
        before,
        "no read of the changed show went to the replica that lacks the change"
    );
    assert!(
        app.metric("tessera_replica_passed_over_total{reason=\"behind\"}")
            .await
            > 0.0,
        "the reads passed over the replica say why"
    );
    // Another show, unchanged since the replica stopped, is still served by it.
    assert_eq!(app.seat_status(other, 0).await, "AVAILABLE");
    assert!(app.metric(REPLICA_READS).await > before);

    // The buyer finds the booking they just made in their history, read from the primary;
    // the early buyer's history, unchanged, still comes from the replica.
    let before = app.metric(REPLICA_READS).await;
    let mine = app.get("/bookings", Some(&buyer)).await;
    assert_eq!(mine.body["items"][0]["id"], hold.body["id"], "{mine:?}");
    let id = hold.body["id"].as_str().unwrap();
    let one = app.get(&format!("/bookings/{id}"), Some(&buyer)).await;
    assert_eq!(one.body["status"], "PENDING", "{one:?}");
    assert_eq!(
        app.metric(REPLICA_READS).await,
        before,
        "no read of the buyer's history went to the replica that lacks their booking"
    );
    let theirs = app.get("/bookings", Some(&early)).await;
    assert_eq!(theirs.body["items"].as_array().map(Vec::len), Some(1));
    assert!(app.metric(REPLICA_READS).await > before);

    // Replay resumes: the changed show is read from the replica again, with its change.
    cluster.on_replica("SELECT pg_wal_replay_resume()").await;
    let before = app.metric(REPLICA_READS).await;
    eventually(
        Duration::from_secs(10),
        "the replica to catch up",
        || async {
            assert_eq!(app.seat_status(show, 0).await, "HELD");
            (app.metric(REPLICA_READS).await > before).then_some(())
        },
    )
    .await;

    // The replica dies: reads move to the primary, and nothing fails.
    cluster.replica.kill().unwrap();
    for seat in 2..=4 {
        assert_eq!(app.hold(&buyer, show, &[seat]).await.status, 201);
        assert_eq!(app.seat_status(show, seat as usize - 1).await, "HELD");
        let list = app.get("/shows", None).await;
        assert_eq!(list.status, 200, "{list:?}");
    }
    eventually(
        Duration::from_secs(5),
        "the replica marked down",
        || async {
            (app.metric("tessera_replica_lag_seconds{replica=\"0\"}")
                .await
                == -1.0)
                .then_some(())
        },
    )
    .await;
    let before = app.metric(REPLICA_READS).await;
    assert_eq!(app.seat_status(other, 0).await, "AVAILABLE");
    assert_eq!(app.metric(REPLICA_READS).await, before);
}
