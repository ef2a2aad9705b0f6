//! The booking event relay: moves events from the outbox table to the Redis Stream
//! `<namespace>:booking-events`, oldest first, and deletes them once Redis has them.
//!
//! While Redis is down the events wait in PostgreSQL (the relay retries every second), so
//! an outage delays events but loses none. Delivery is at least once: consumers drop
//! `event_id`s they have already handled.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::cache::redis::Redis;
use crate::store::Db;
use crate::store::outbox::OutboxEvent;

/// Events moved per round trip.
const BATCH: i64 = 500;
/// How often the relay looks for new events when it has caught up.
const POLL: Duration = Duration::from_millis(200);
/// Pause after a failure (Redis or PostgreSQL down, or another instance relaying).
const BACKOFF: Duration = Duration::from_secs(1);
/// The stream keeps roughly this many of the newest events.
pub const STREAM_MAX_LEN: usize = 1_000_000;
/// Without Redis, undelivered events are kept this long.
const KEEP_WITHOUT_REDIS_HOURS: i32 = 24;

/// Runs until `stop` turns true.
pub async fn run(db: Db, redis: Option<Arc<Redis>>, mut stop: watch::Receiver<bool>) {
    let Some(redis) = redis else {
        // Nobody can consume the events: keep a day's worth for inspection.
        let mut ticker = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => return,
            }
            if let Err(err) = db.prune_outbox(KEEP_WITHOUT_REDIS_HOURS).await {
                tracing::warn!(error = %err, "pruning the outbox failed");
            }
        }
    };
    loop {
        let result = db
            .relay_outbox(BATCH, |events| deliver(&redis, events))
            .await;
        let pause = match result {
            // A full batch: more may be waiting.
            Ok(Some(n)) if n as i64 == BATCH => Duration::ZERO,
            Ok(Some(_)) => POLL,
            // Redis did not take the events, or another instance is relaying.
            Ok(None) => BACKOFF,
            Err(err) => {
                tracing::warn!(error = %err, "relaying booking events failed; will retry");
                BACKOFF
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The `type` of an outbox event in the stream: `booking.<change>` for a change of the
/// booking itself, `show.changed` for a change of its show that the booking's holder should
/// hear about (a new time or name).
fn stream_type(event_type: &str) -> String {
    match event_type {
        "show_changed" => "show.changed".to_owned(),
        change => format!("booking.{change}"),
    }
}

/// Appends `events` to the stream; true when Redis took them all.
async fn deliver(redis: &Redis, events: Vec<OutboxEvent>) -> bool {
    let entries: Vec<Vec<(&str, String)>> = events
        .iter()
        .map(|e| {
            vec![
                ("event_id", e.id.to_string()),
                ("type", stream_type(&e.event_type)),
                ("booking_id", e.booking_id.to_string()),
                ("occurred_at", e.occurred_at.to_rfc3339()),
                ("data", e.payload.clone()),
            ]
        })
        .collect();
    let ok = redis.append_events(&entries, STREAM_MAX_LEN).await;
    if ok {
        metrics::counter!(crate::metrics::OUTBOX_RELAYED).increment(events.len() as u64);
    }
    ok
}
