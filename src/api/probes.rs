//! Liveness and readiness probes.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use super::state::AppState;

/// Probe result.
#[derive(Debug, Object)]
pub struct Health {
    /// `ok`; `degraded` (serving, but Redis is unreachable: reads come from PostgreSQL);
    /// or `unavailable` with the reason in `detail`.
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
    /// PostgreSQL answers: the instance can take traffic (`degraded` when Redis does not).
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

    /// Readiness: 200 when PostgreSQL answers (status `degraded` if Redis does not), 503
    /// when PostgreSQL does not.
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
        Ok(()) => ReadyResponse::Ok(Json(match state.cache.redis_ok().await {
            Some(false) => Health {
                status: "degraded".into(),
                detail: Some(
                    "Redis is unreachable: serving from PostgreSQL and in-process copies".into(),
                ),
            },
            _ => Health {
                status: "ok".into(),
                detail: None,
            },
        })),
        Err(err) => ReadyResponse::Unavailable(Json(Health {
            status: "unavailable".into(),
            detail: Some(format!("PostgreSQL: {}", err.detail)),
        })),
    }
}

/// `GET /metrics`: the Prometheus text, with the current-state gauges read now.
pub async fn metrics(state: &AppState) -> String {
    use crate::metrics as m;
    m::record_pool(m::DB_POOL, state.db.pool_status());
    m::record_pool(m::DB_READ_POOL, state.db.read_pool_status());
    if let Some((size, idle)) = state.cache.redis_pool_state() {
        metrics::gauge!(m::REDIS_POOL, "state" => "size").set(size as f64);
        metrics::gauge!(m::REDIS_POOL, "state" => "idle").set(idle as f64);
    }
    if let Ok(lag) = state.db.sweep_lag_secs().await {
        metrics::gauge!(m::SWEEPER_LAG).set(lag);
    }
    if let Ok(lag) = state.db.outbox_lag_secs().await {
        metrics::gauge!(m::OUTBOX_LAG).set(lag);
    }
    m::record_heap();
    m::handle().render()
}
