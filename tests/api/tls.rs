//! TLS to PostgreSQL (`sslmode=require`) and to Redis (`rediss://`), against servers of
//! the tests' own with a certificate from a private CA: trusted through `SSL_CERT_FILE`,
//! refused without it (certificates are always verified).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tessera::store::embedded::EmbeddedPostgres;
use uuid::Uuid;

use crate::helpers::{ServiceProcess, eventually};

/// A private CA and a certificate it signed for 127.0.0.1 and localhost, as PEM files.
struct Certs {
    dir: PathBuf,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl Certs {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tls-{name}-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Tessera test CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let server_params =
            rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
        let certs = Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            dir,
        };
        std::fs::write(&certs.ca, ca.pem()).unwrap();
        std::fs::write(&certs.cert, server.pem()).unwrap();
        std::fs::write(&certs.key, server_key.serialize_pem()).unwrap();
        certs
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the binary with `env` and waits for it to exit (it should fail to start);
/// returns its log.
fn fails_to_start(env: &[(&str, &str)]) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .arg("serve")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", "a-test-secret-that-is-long-enough-0123456789")
        .env("ADMIN_PASSWORD", "a-test-admin-password")
        .env("WEB_DIR", "/nonexistent")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "it started");
            let output = child.wait_with_output().unwrap();
            return format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after 30 s: it should have refused the certificate");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_use_tls_with_sslmode_require() {
    let certs = Certs::new("pg");
    let data = certs.dir.join("pg");
    let pg = EmbeddedPostgres::start(&data).await.unwrap();
    // The server's key must belong to the user the cluster runs as.
    let owner = std::fs::metadata(data.join("PG_VERSION")).unwrap();
    for (from, to) in [(&certs.cert, "server.pem"), (&certs.key, "server.key")] {
        let target = data.join(to);
        std::fs::copy(from, &target).unwrap();
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        std::os::unix::fs::chown(&target, Some(owner.uid()), Some(owner.gid())).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (admin, connection) = tokio_postgres::connect(&pg.admin_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for statement in [
        "ALTER SYSTEM SET ssl_cert_file = 'server.pem'",
        "ALTER SYSTEM SET ssl_key_file = 'server.key'",
        "ALTER SYSTEM SET ssl = on",
        "SELECT pg_reload_conf()",
    ] {
        admin.batch_execute(statement).await.unwrap();
    }
    let url = format!("{}?sslmode=require", pg.url());
    let ca = certs.ca.to_str().unwrap();

    // Trusted through SSL_CERT_FILE: the service works over TLS.
    let service = ServiceProcess::start(&[("DATABASE_URL", &url), ("SSL_CERT_FILE", ca)]).await;
    let show = service.create_show(&[("A", 4)]).await;
    let buyer = service.new_user().await;
    assert_eq!(service.hold(&buyer, show, &[1, 2]).await.status, 201);
    let encrypted: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'tessera' AND s.ssl",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted > 0, "the service's connections use TLS");
    drop(service);

    // A certificate nobody trusted vouches for is refused.
    let other = Certs::new("other");
    let other_ca = other.ca.to_str().unwrap();
    let log = fails_to_start(&[("DATABASE_URL", &url), ("SSL_CERT_FILE", other_ca)]);
    assert!(log.to_lowercase().contains("certificate"), "{log}");
    pg.stop();
}

/// A redis-server that takes only TLS connections, stopped when dropped.
struct TlsRedis(Child);

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_connections_use_tls_with_a_rediss_url() {
    let certs = Certs::new("redis");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _redis = TlsRedis(
        Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args(["--tls-cert-file", certs.cert.to_str().unwrap()])
            .args(["--tls-key-file", certs.key.to_str().unwrap()])
            .args(["--tls-ca-cert-file", certs.ca.to_str().unwrap()])
            .args([
                "--tls-auth-clients",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for these tests"),
    );
    eventually(
        Duration::from_secs(10),
        "redis-server to listen",
        || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
        },
    )
    .await;
    let url = format!("rediss://127.0.0.1:{port}");
    let ca = certs.ca.to_str().unwrap();

    let service = ServiceProcess::start(&[("REDIS_URL", &url), ("SSL_CERT_FILE", ca)]).await;
    let ready = service.get("/ready", None).await;
    assert_eq!(
        (ready.status, &ready.body["status"]),
        (200, &"ok".into()),
        "{ready:?}"
    );
    // Shared caching goes through it: a seat map read lands in Redis.
    let show = service.create_show(&[("A", 4)]).await;
    assert_eq!(
        service
            .get(&format!("/shows/{show}/seats"), None)
            .await
            .status,
        200
    );
    let metrics = service.metrics().await;
    assert!(
        metrics.contains("tessera_redis_pool_connections{state=\"size\"}"),
        "{metrics}"
    );
    drop(service);

    // Trusting another CA, the certificate is refused: the service runs without Redis.
    let other = Certs::new("other");
    let other_ca = other.ca.to_str().unwrap();
    let untrusted =
        ServiceProcess::start(&[("REDIS_URL", &url), ("SSL_CERT_FILE", other_ca)]).await;
    let ready = untrusted.get("/ready", None).await;
    assert_eq!(ready.body["status"], "degraded", "{ready:?}");
}
