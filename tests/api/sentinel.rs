//! Redis Sentinel: the master of the shared cache, versions and change channel is lost
//! mid-sale; nothing fails, and both instances follow the master Sentinel promotes.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tessera::cache::Notice;

use crate::helpers::{OwnRedis, TestApp, eventually, fresh_database, test_settings};

/// A Sentinel watching one master, stopped and removed when dropped.
struct OwnSentinel {
    port: u16,
    child: Child,
    dir: std::path::PathBuf,
}

impl OwnSentinel {
    async fn start(master: &OwnRedis) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sentinel-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // Sentinel rewrites its configuration file: it must be its own and writable.
        let config = dir.join("sentinel.conf");
        std::fs::write(
            &config,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\n\
                 sentinel monitor mymaster 127.0.0.1 {} 1\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 5000\n",
                dir.display(),
                master.port()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&config)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for these tests");
        Self { port, child, dir }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `SENTINEL <args>` on this Sentinel.
    async fn ask<T: redis::FromRedisValue>(&self, args: &[&str]) -> Option<T> {
        let client = redis::Client::open(self.url()).ok()?;
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("SENTINEL")
            .arg(args)
            .query_async(&mut conn)
            .await
            .ok()
    }

    /// The port of the master it names now.
    async fn master_port(&self) -> Option<u16> {
        let (_, port): (String, String) =
            self.ask(&["get-master-addr-by-name", "mymaster"]).await?;
        port.parse().ok()
    }
}

impl Drop for OwnSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn get_u64(url: &str, key: &str) -> Option<u64> {
    let client = redis::Client::open(url).ok()?;
    let mut conn = client.get_multiplexed_async_connection().await.ok()?;
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn)
        .await
        .ok()?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_failover_mid_sale_fails_nothing_and_both_instances_follow_the_new_master() {
    let mut master = OwnRedis::start().await;
    let replica =
        OwnRedis::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()]).await;
    let sentinel = OwnSentinel::start(&master).await;
    eventually(
        Duration::from_secs(30),
        "the Sentinel to know the master and its replica",
        || async {
            let replicas: Vec<redis::Value> = sentinel.ask(&["replicas", "mymaster"]).await?;
            (sentinel.master_port().await? == master.port() && replicas.len() == 1).then_some(())
        },
    )
    .await;

    let db_url = fresh_database().await;
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let secret = test_settings(&db_url).jwt_secret;
    let settings = || {
        let mut s = test_settings(&db_url);
        s.jwt_secret = secret.clone();
        s.redis_url = None;
        s.redis_sentinels = vec![sentinel.url()];
        s.redis_master_name = "mymaster".into();
        s.redis_namespace = namespace.clone();
        s
    };
    let a = TestApp::spawn_settings(settings()).await;
    let b = TestApp::spawn_settings(settings()).await;
    let show = a.create_show(&[("A", 40)]).await;
    let buyer = a.new_user().await;
    let version_key = format!("{namespace}:version:{show}");

    // Through the master: versions are kept there and B hears A's changes.
    let notices = b.state.cache.subscribe();
    assert_eq!(a.hold(&buyer, show, &[1]).await.status, 201);
    assert!(get_u64(&master.url(), &version_key).await.unwrap_or(0) >= 1);
    let heard = |mut notices: tokio::sync::broadcast::Receiver<Notice>, seat: i32| async move {
        let wait = async {
            loop {
                match notices.recv().await {
                    Ok(Notice::Changed(c))
                        if c.show_id == show && c.seats.iter().any(|s| s.id == seat) =>
                    {
                        return true;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return false,
                    _ => {}
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(1), wait)
            .await
            .unwrap_or(false)
    };
    assert!(
        heard(notices, 1).await,
        "B heard nothing through the master"
    );

    // The master is lost. A buyer holds and cancels all the while: a Redis outage fails
    // no request.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sale = {
        let (base, stop, token) = (a.base.clone(), stop.clone(), buyer.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut sales = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let seat = 2 + sales % 9;
                let hold = http
                    .post(format!("{base}/api/v1/bookings"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"show_id": show, "seat_ids": [seat]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(hold.status(), 201);
                let id = hold.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let cancel = http
                    .post(format!("{base}/api/v1/bookings/{id}/cancel"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(cancel.status(), 200);
                sales += 1;
            }
            sales
        })
    };
    master.stop();
    eventually(
        Duration::from_secs(30),
        "the Sentinel to promote the replica",
        || async {
            sentinel
                .master_port()
                .await
                .filter(|port| *port == replica.port())
        },
    )
    .await;

    // Both instances follow it: versions move on the new master, and B hears A again.
    let other = a.new_user().await;
    eventually(
        Duration::from_secs(30),
        "the instances to use the new master",
        || async {
            let notices = b.state.cache.subscribe();
            let before = get_u64(&replica.url(), &version_key).await.unwrap_or(0);
            let hold = a.hold(&other, show, &[20]).await;
            assert_eq!(hold.status, 201, "{hold:?}");
            let after = get_u64(&replica.url(), &version_key).await.unwrap_or(0);
            let followed = after > before && heard(notices, 20).await;
            let id = hold.body["id"].as_str().unwrap();
            assert_eq!(a.act(&other, id, "cancel").await.status, 200);
            followed.then_some(())
        },
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sales = sale.await.unwrap();
    assert!(sales > 0);
    a.check_invariants(show).await;
}
