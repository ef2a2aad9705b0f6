//! Registration and login.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use super::error::reply;
use super::security::UserAuth;
use super::state::{AppState, ClientIp};
use super::text::Text;
use crate::auth;
use crate::domain::{Code, Error, Result};
use crate::ratelimit::{Limit, account_subject, address_subject};

/// E-mail and password.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Credentials {
    /// E-mail address; compared case-insensitively. At most 254 characters.
    pub email: Text,
    /// 8 to 128 characters.
    pub password: Text,
}

/// A user account.
#[derive(Debug, Object)]
pub struct User {
    pub id: i64,
    pub email: String,
    /// `user` or `admin`.
    pub role: String,
}

/// An access token to send as `Authorization: Bearer <access_token>`.
#[derive(Debug, Object)]
pub struct Token {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// The account's role, `user` or `admin` (what a client may offer; the service checks
    /// the token on every request).
    pub role: String,
}

crate::endpoint_response! {
    pub enum RegisterResponse {
        /// The account was created.
        201 => Created(Json<User>),
    }
    errors: [
        BadRequest: [InvalidBody, BadRequest],
        Conflict: [EmailTaken],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [InvalidEmail, InvalidPassword],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum LoginResponse {
        /// Signed in.
        200 => Ok(Json<Token>),
    }
    errors: [
        BadRequest: [InvalidBody, BadRequest],
        Unauthenticated: [InvalidCredentials],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum LogoutResponse {
        /// Every token of the account issued until now is revoked, this one included.
        204 => SignedOut,
    }
    errors: [
        Unauthenticated: [MissingToken, InvalidToken],
        PayloadTooLarge: [PayloadTooLarge],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

pub struct UsersApi;

#[OpenApi(tag = "Tag::Auth")]
impl UsersApi {
    /// Create a buyer account.
    ///
    /// Rate-limited per client address and per e-mail (429 with `Retry-After`).
    #[oai(path = "/auth/register", method = "post", operation_id = "register")]
    async fn register(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<Credentials>,
        client: Data<&ClientIp>,
    ) -> RegisterResponse {
        let result = async {
            limit_auth(&state, client.0, &body.email).await?;
            register(&state, body.0).await
        };
        reply(result.await, |user| RegisterResponse::Created(Json(user)))
    }

    /// Exchange e-mail and password for an access token.
    ///
    /// Rate-limited per client address and per e-mail (429 with `Retry-After`).
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<Credentials>,
        client: Data<&ClientIp>,
    ) -> LoginResponse {
        let result = async {
            limit_auth(&state, client.0, &body.email).await?;
            login(&state, body.0).await
        };
        reply(result.await, |token| LoginResponse::Ok(Json(token)))
    }

    /// Sign out everywhere: revokes every access token of the caller's account issued so
    /// far (a lost phone, a shared computer). Other instances refuse them within 5 seconds,
    /// this one at once; signing in again gives a new token.
    #[oai(
        path = "/auth/logout-everywhere",
        method = "post",
        operation_id = "logout_everywhere"
    )]
    async fn logout_everywhere(
        &self,
        auth: UserAuth,
        state: Data<&Arc<AppState>>,
    ) -> LogoutResponse {
        let user_id = auth.0.user_id;
        let result = async {
            let version = state.db.revoke_tokens(user_id).await?;
            state.token_versions.revoked(user_id, version).await;
            Ok(())
        };
        reply(result.await, |()| LogoutResponse::SignedOut)
    }
}

/// Sign-in and sign-up attempts count against the caller's address, the account they
/// name from that address, and the deployment: one address cannot try many accounts or
/// many passwords of one account quickly, nor lock the account's owner out from
/// elsewhere; and no crowd of addresses can spend the CPU that selling seats needs.
async fn limit_auth(state: &AppState, client: &ClientIp, email: &str) -> Result<()> {
    let address = address_subject(client.0);
    let account = format!("{}@{address}", account_subject(email));
    state
        .limits
        .check_all(&[
            (Limit::AuthPerIp, &address),
            (Limit::AuthPerAccount, &account),
            (Limit::AuthGlobal, "all"),
        ])
        .await
}

async fn register(state: &AppState, body: Credentials) -> Result<User> {
    let email = auth::normalize_email(&body.email)?;
    auth::check_password(&body.password)?;
    let hash = auth::hash_password(body.password.into_inner()).await?;
    let user = state.db.create_user(&email, &hash).await?;
    Ok(User {
        id: user.id,
        email: user.email,
        role: user.role,
    })
}

async fn login(state: &AppState, body: Credentials) -> Result<Token> {
    let invalid = || Error::new(Code::InvalidCredentials, "Wrong e-mail or password.");
    // Malformed addresses and oversized passwords cannot belong to an account: same
    // answer as a wrong password (and no hashing of a 256 KiB "password").
    let Ok(email) = auth::normalize_email(&body.email) else {
        return Err(invalid());
    };
    if auth::check_password(&body.password).is_err() {
        return Err(invalid());
    }
    let user = state.db.find_user_by_email(&email).await?;
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => auth::dummy_hash().await.to_owned(),
    };
    let password_ok = auth::verify_password(body.password.into_inner(), hash).await?;
    let Some(user) = user.filter(|_| password_ok) else {
        return Err(invalid());
    };
    Ok(Token {
        access_token: state
            .tokens
            .issue(user.id, &user.role, user.token_version)?,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl().as_secs(),
        role: user.role,
    })
}
