//! Bearer-token security schemes: any signed-in user, or admins only.

use std::sync::Arc;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::state::AppState;
use crate::auth::Principal;
use crate::domain::{Code, Error};

/// Access token from `POST /auth/login`, sent as `Authorization: Bearer <token>`.
// Any signed-in user (buyer or admin). Both schemes share the name "bearer" and this
// description; admin-only operations answer 403 to other users.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_user"
)]
pub struct UserAuth(pub Principal);

/// Access token from `POST /auth/login`, sent as `Authorization: Bearer <token>`.
// A signed-in admin.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_admin"
)]
pub struct AdminAuth(pub Principal);

fn reject(err: Error) -> poem::Error {
    let status = crate::api::error::status_of(err.kind());
    poem::Error::new(
        err,
        poem::http::StatusCode::from_u16(status).unwrap_or_default(),
    )
}

async fn check_user(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<Arc<AppState>>()
        .ok_or_else(|| reject(Error::internal(anyhow::anyhow!("no app state"))))?;
    let principal = state.tokens.verify(&bearer.token).map_err(reject)?;
    // Signed and unexpired; and not revoked since it was issued.
    let user_id = principal.user_id;
    state
        .token_versions
        .check(principal, state.db.token_version(user_id))
        .await
        .map_err(reject)
}

async fn check_admin(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let principal = check_user(req, bearer).await?;
    if !principal.admin {
        return Err(reject(Error::new(
            Code::AdminOnly,
            "This operation needs an admin account.",
        )));
    }
    Ok(principal)
}
