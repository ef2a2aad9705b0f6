//! Service-wide settings stored in the database, shared by every instance.

use rand::Rng;

use super::{Db, db_error};
use crate::domain::Result;

/// The token signing secret: the configured one, or else (only in the embedded default,
/// where start-up allows no secret) one generated on first start and kept in the database,
/// so that tokens survive restarts.
pub async fn jwt_secret(db: &Db, configured: Option<&str>) -> Result<String> {
    match configured {
        Some(secret) => Ok(secret.to_owned()),
        None => stored_secret(db, "jwt_secret").await,
    }
}

/// The key of ticket codes: generated on the first start against a database and kept in
/// it, so every instance checks the others' tickets, and tickets survive restarts and a
/// change of `JWT_SECRET` (which an operator may rotate to sign everyone out).
pub async fn ticket_secret(db: &Db) -> Result<String> {
    stored_secret(db, "ticket_secret").await
}

/// The random secret stored under `key`, made on first use.
async fn stored_secret(db: &Db, key: &str) -> Result<String> {
    let candidate: String = {
        let mut rng = rand::rng();
        (0..64)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
            .collect()
    };
    let client = db.client().await?;
    // Whoever inserts first wins; everyone reads the winner's value.
    client
        .exec(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &candidate],
        )
        .await
        .map_err(db_error)?;
    let row = client
        .one("SELECT value FROM settings WHERE key = $1", &[&key])
        .await
        .map_err(db_error)?;
    Ok(row.get(0))
}
