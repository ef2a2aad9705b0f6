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
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::endpoint::BoxEndpoint;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, Request};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Serves `endpoint` on `listener` until `shutdown` completes; then stops accepting, lets
/// requests in flight finish (idle keep-alive connections close at once) and returns when
/// they have, or after `grace`, whichever comes first (cutting off what is left).
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
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
    let builder = auto::Builder::new(TokioExecutor::new());
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
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection.into_owned());
        connections.spawn(async move {
            if let Err(err) = connection.await {
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
