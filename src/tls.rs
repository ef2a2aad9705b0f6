//! TLS for the service's own connections (PostgreSQL with `sslmode=require`, Redis with a
//! `rediss://` URL), with rustls.
//!
//! Server certificates are always verified, against the system's trust store; a private
//! CA (a cloud provider's database CA, your own) is trusted by pointing `SSL_CERT_FILE` at
//! its PEM bundle, as for most TLS clients. Redis loads the same store itself.

use std::sync::Arc;

use anyhow::bail;

/// A client configuration that trusts the system's (or `SSL_CERT_FILE`'s) certificates.
/// The cryptography is ring's, rustls's one provider in this build (chosen by the crate
/// features, so nothing needs installing).
pub fn client_config() -> anyhow::Result<rustls::ClientConfig> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        bail!(
            "TLS was asked for, but no trusted certificate was found ({}): install the \
             ca-certificates package, or set SSL_CERT_FILE to a PEM bundle",
            found.errors.first().map_or_else(
                || "none in the system store".to_owned(),
                ToString::to_string
            )
        );
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(Arc::new(roots))
        .with_no_client_auth())
}
