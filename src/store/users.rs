//! Users: registration, credential lookup and the start-up admin account.

use super::{Db, db_error, is_unique_violation};
use crate::domain::{Error, Result};

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
}

impl Db {
    /// Inserts a buyer account; `email_taken` if the address is registered already.
    pub async fn create_user(&self, email: &str, password_hash: &str) -> Result<UserRecord> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id, role",
                &[&email, &password_hash],
            )
            .await
            .map_err(|err| {
                if is_unique_violation(&err, "users_email_key") {
                    Error::conflict("email_taken", "An account with this e-mail already exists.")
                } else {
                    db_error(err)
                }
            })?;
        Ok(UserRecord {
            id: row.get(0),
            email: email.to_owned(),
            role: row.get(1),
            password_hash: password_hash.to_owned(),
        })
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, email, role, password_hash FROM users WHERE email = $1",
                &[&email],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|row| UserRecord {
            id: row.get(0),
            email: row.get(1),
            role: row.get(2),
            password_hash: row.get(3),
        }))
    }

    /// Creates the admin account or resets its password and role. A single upsert, so
    /// several instances starting together cannot clash.
    pub async fn upsert_admin(&self, email: &str, password_hash: &str) -> Result<i64> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'admin') \
                 ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin' \
                 RETURNING id",
                &[&email, &password_hash],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }
}
