//! Liveness and readiness probes.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use crate::app::AppState;

/// Probe result.
#[derive(Debug, Object)]
pub struct Health {
    /// `ok`, or `unavailable` with the reason in `detail`.
    pub status: String,
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
}

#[derive(ApiResponse)]
pub enum HealthResponse {
    /// The process is up.
    #[oai(status = 200)]
    Ok(Json<Health>),
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// PostgreSQL answers: the instance can take traffic.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// PostgreSQL is unreachable or too slow.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

pub struct ServiceApi;

#[OpenApi(tag = "Tag::Service")]
impl ServiceApi {
    /// Liveness: answers as long as the process runs; checks no dependencies.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> HealthResponse {
        health()
    }

    /// Readiness: 200 when PostgreSQL answers, 503 otherwise.
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&Arc<AppState>>) -> ReadyResponse {
        ready(&state).await
    }
}

pub fn health() -> HealthResponse {
    HealthResponse::Ok(Json(Health {
        status: "ok".into(),
        detail: None,
    }))
}

pub async fn ready(state: &AppState) -> ReadyResponse {
    match state.db.ping().await {
        Ok(()) => ReadyResponse::Ok(Json(Health {
            status: "ok".into(),
            detail: None,
        })),
        Err(err) => ReadyResponse::Unavailable(Json(Health {
            status: "unavailable".into(),
            detail: Some(format!("PostgreSQL: {}", err.detail)),
        })),
    }
}
