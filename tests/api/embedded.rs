//! The `tessera` binary itself: the embedded default (no DATABASE_URL), graceful
//! shutdown on SIGTERM, and the `seed`, `migrate` and `openapi` commands.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{free_port, fresh_database};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// Starts `tessera serve` with no configuration but its data directory, and waits until it
/// is ready. A port picked free can be taken (by another test's outgoing connection) before
/// the service binds it; the service then exits at once, and is started again on another.
async fn start_embedded(
    data_dir: &std::path::Path,
    http: &reqwest::Client,
) -> (tokio::process::Child, String) {
    for _ in 0..3 {
        let port = free_port();
        let mut child = tokio::process::Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TESSERA_DATA_DIR", data_dir)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break; // exited during start-up: try another port
            }
            if let Ok(r) = http.get(format!("{base}/ready")).send().await
                && r.status() == 200
            {
                return (child, base);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the embedded service was not ready within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("the embedded service exited during start-up three times");
}

#[tokio::test]
async fn serve_without_configuration_runs_its_own_postgres_and_stops_it() {
    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("embedded-{}", uuid::Uuid::new_v4().simple()));
    let http = reqwest::Client::new();
    let (mut child, base) = start_embedded(&data_dir, &http).await;
    // The default admin can sign in and the API works end to end.
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@tessera.local", "password": "tessera-admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(login["access_token"].is_string(), "{login}");
    // The first start loads the sample shows.
    let shows: serde_json::Value = http
        .get(format!("{base}/api/v1/shows"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shows["items"].as_array().map(Vec::len), Some(7), "{shows}");
    assert!(data_dir.join("postgres/PG_VERSION").exists());

    // SIGTERM: the service drains, exits cleanly and stops its database.
    let pid = child.id().unwrap() as i32;
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        !data_dir.join("postgres/postmaster.pid").exists(),
        "PostgreSQL is still running in {}",
        data_dir.display()
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn seed_and_migrate_commands_work_and_are_repeatable() {
    let db_url = fresh_database().await;
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/cinema.json");
    for _ in 0..2 {
        let status = Command::new(BIN)
            .args(["seed", seed])
            .env("DATABASE_URL", &db_url)
            .env("RUST_LOG", "warn")
            .status()
            .unwrap();
        assert!(status.success());
    }
    let status = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", &db_url)
        .status()
        .unwrap();
    assert!(status.success());
    let (client, connection) = tokio_postgres::connect(&db_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let shows: i64 = client
        .query_one("SELECT count(*) FROM shows", &[])
        .await
        .unwrap()
        .get(0);
    let seats: i64 = client
        .query_one("SELECT count(*) FROM seats", &[])
        .await
        .unwrap()
        .get(0);
    assert!(shows >= 1);
    assert_eq!(seats, 150 * shows);

    let bad = Command::new(BIN)
        .args(["seed", "/nonexistent.json"])
        .env("DATABASE_URL", &db_url)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn openapi_command_prints_the_committed_spec() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        tessera::api::spec_json()
    );
}
