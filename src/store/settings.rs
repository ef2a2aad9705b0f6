//! Service-wide settings stored in the database, shared by every instance.

use rand::Rng;

use super::{Db, db_error};
use crate::domain::Result;

/// The token signing secret: the configured one, or else (only in the embedded default,
/// where start-up allows no secret) one generated on first start and kept in the database,
/// so that tokens survive restarts.
pub async fn jwt_secret(db: &Db, configured: Option<&str>) -> Result<String> {
    if let Some(secret) = configured {
        return Ok(secret.to_owned());
    }
    let candidate: String = {
        let mut rng = rand::rng();
        (0..64)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
            .collect()
    };
    let client = db.client().await?;
    // Whoever inserts first wins; everyone reads the winner's value.
    client
        .execute(
            "INSERT INTO settings (key, value) VALUES ('jwt_secret', $1) ON CONFLICT (key) DO NOTHING",
            &[&candidate],
        )
        .await
        .map_err(db_error)?;
    let row = client
        .query_one("SELECT value FROM settings WHERE key = 'jwt_secret'", &[])
        .await
        .map_err(db_error)?;
    Ok(row.get(0))
}
