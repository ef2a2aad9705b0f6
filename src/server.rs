//! The HTTP server: accepts TCP connections and serves the poem endpoint on them with
//! hyper (HTTP/1.1, and HTTP/2 for clients that ask), with a graceful shutdown.
//!
//! Why not poem's own `Server`: it boxes every connection into a type that splits the
//! socket into halves behind a lock and does not report vectored writes, so hyper copies
//! every response body into a per-connection write buffer. For a 270 KB gzipped seat map
//! that is a copy per request and, once a connection has sent one, a buffer of half a
//! megabyte kept for as long as the connection lives (the benchmark saw about 60 MB of
//! them). Served on the plain `TcpStream`, hyper writes cached bodies straight from the
//! shared bytes.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::uri::Scheme;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::endpoint::BoxEndpoint;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, Request};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::config::ConnectionLimits;

/// HTTP/2 keep-alive: a ping this often on an otherwise quiet connection, and the
/// connection is dropped when one goes unanswered this long (a peer that vanished does not
/// keep its event streams open).
const H2_PING_INTERVAL: Duration = Duration::from_secs(20);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves `endpoint` on `listener` until `shutdown` completes; then stops accepting, lets
/// requests in flight finish (idle keep-alive connections close at once) and returns when
/// they have, or after `grace`, whichever comes first (cutting off what is left).
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: &ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) where
    E: Endpoint + 'static,
{
    // Boxed: the middleware stack's concrete type is too deep to name in every future.
    let endpoint: Arc<BoxEndpoint<'static>> = Arc::new(endpoint.map_to_response().boxed());
    let local = listener
        .local_addr()
        .map(|a| LocalAddr(Addr::SocketAddr(a)))
        .unwrap_or_default();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_PING_INTERVAL)
        .keep_alive_timeout(H2_PING_TIMEOUT);
    let slots = (limits.max_connections > 0)
        .then(|| Arc::new(tokio::sync::Semaphore::new(limits.max_connections)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match &slots {
            Some(slots) => match slots.clone().try_acquire_owned() {
                Ok(slot) => Some(slot),
                Err(_) => {
                    metrics::counter!(crate::metrics::CONNECTIONS_REFUSED).increment(1);
                    connections.spawn(refuse(stream));
                    continue;
                }
            },
            None => None,
        };
        // Responses are written whole: waiting to coalesce small writes only adds latency.
        let _ = stream.set_nodelay(true);
        let (endpoint, local) = (endpoint.clone(), local.clone());
        let remote = RemoteAddr(Addr::SocketAddr(remote));
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let request = Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            async move {
                let response = endpoint.get_response(request).await;
                Ok::<_, Infallible>(hyper::Response::from(response))
            }
        });
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let idle_timeout = limits.idle_timeout;
        connections.spawn(async move {
            let _open = OpenConnection::new(slot);
            // Telling HTTP/1 from HTTP/2 waits for the first bytes without a timer of its
            // own: a connection that never sends one is closed here.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(idle_timeout, stream.peek(&mut first)).await,
                Ok(Ok(1..))
            ) {
                return;
            }
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(?grace, "requests still running at the end of the grace period");
        }
    }
    connections.abort_all();
}

/// Answers a connection beyond the cap with a 503 problem and closes it, without reading
/// its request (at most a second of writing: a client that does not read is dropped).
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    const BODY: &str = r#"{"type":"about:blank","title":"Service Unavailable","status":503,"code":"too_many_connections","detail":"The service has as many open connections as it takes; try again shortly.","retry_after_seconds":1}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// Counts an open connection (and holds its slot under the cap) while it lives.
struct OpenConnection {
    _slot: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl OpenConnection {
    fn new(slot: Option<tokio::sync::OwnedSemaphorePermit>) -> Self {
        metrics::gauge!(crate::metrics::OPEN_CONNECTIONS).increment(1.0);
        Self { _slot: slot }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        metrics::gauge!(crate::metrics::OPEN_CONNECTIONS).decrement(1.0);
    }
}
