//! Users: registration, credential lookup and the start-up admin account.

use super::{Db, db_error, is_unique_violation};
use crate::domain::{Code, Error, Result};

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    /// Tokens issued now carry this; older versions are revoked.
    pub token_version: i32,
}

impl Db {
    /// Inserts a buyer account; `email_taken` if the address is registered already.
    pub async fn create_user(&self, email: &str, password_hash: &str) -> Result<UserRecord> {
        let client = self.client().await?;
        let row = client
            .one(
                "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id, role",
                &[&email, &password_hash],
            )
            .await
            .map_err(|err| {
                if is_unique_violation(&err, "users_email_key") {
                    Error::new(
                        Code::EmailTaken,
                        "An account with this e-mail already exists.",
                    )
                } else {
                    db_error(err)
                }
            })?;
        Ok(UserRecord {
            id: row.get(0),
            email: email.to_owned(),
            role: row.get(1),
            password_hash: password_hash.to_owned(),
            token_version: 0,
        })
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let client = self.client().await?;
        let row = client
            .opt(
                "SELECT id, email, role, password_hash, token_version FROM users WHERE email = $1",
                &[&email],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|row| UserRecord {
            id: row.get(0),
            email: row.get(1),
            role: row.get(2),
            password_hash: row.get(3),
            token_version: row.get(4),
        }))
    }

    /// The current token version of a user (`None`: no such user).
    pub async fn token_version(&self, user_id: i64) -> Result<Option<i32>> {
        let client = self.client().await?;
        let stmt = "SELECT token_version FROM users WHERE id = $1";
        let row = client.opt(stmt, &[&user_id]).await.map_err(db_error)?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Revokes every token of a user issued so far; returns the new version.
    pub async fn revoke_tokens(&self, user_id: i64) -> Result<i32> {
        let client = self.client().await?;
        let row = client
            .opt(
                "UPDATE users SET token_version = token_version + 1 WHERE id = $1 \
                 RETURNING token_version",
                &[&user_id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::new(Code::InvalidToken, "The account no longer exists."))?;
        Ok(row.get(0))
    }

    /// Creates the admin account, or gives it a new password hash and the admin role; with a
    /// new password, every token issued before is revoked. A single upsert, so several
    /// instances starting together cannot clash.
    pub async fn upsert_admin(
        &self,
        email: &str,
        password_hash: &str,
        new_password: bool,
    ) -> Result<i64> {
        let client = self.client().await?;
        let row = client
            .one(
                "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'admin') \
                 ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin', \
                   token_version = users.token_version + CASE WHEN $3 THEN 1 ELSE 0 END \
                 RETURNING id",
                &[&email, &password_hash, &new_password],
            )
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }
}
