//! Serving cached response bodies: a payload type that sends pre-serialized JSON while
//! the spec still describes its schema, and the loaders that fill the read cache.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

use super::seat_json::SeatLayout;
use super::show_views::{SeatMap, ShowPage, ShowView};
use super::state::AppState;
use crate::cache::{Body, Entry, ReadCache, keys};
use crate::domain::booking::SeatStatus;
use crate::domain::page::Cursor;
use crate::domain::{Code, Error, ErrorKind, Result};
use crate::store::Db;
use crate::store::shows::ShowFilter;

/// JSON bytes of a `T`, serialized earlier (and maybe gzip-compressed). The spec shows
/// `T`'s schema.
pub struct CachedJson<T> {
    body: Bytes,
    gzipped: bool,
    _schema: PhantomData<fn() -> T>,
}

impl<T> CachedJson<T> {
    /// The entry's body, compressed when the client accepts gzip and a compressed copy
    /// exists (else from `cache`'s inflated copies).
    pub fn new(entry: Entry, accept_encoding: Option<&str>, cache: &ReadCache) -> Self {
        let accepts_gzip = accept_encoding.is_some_and(|value| {
            value.split(',').any(|coding| {
                let mut parts = coding.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused =
                    parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                name.eq_ignore_ascii_case("gzip") && !refused
            })
        });
        let (body, gzipped) = match &entry.body {
            Body::Gzip(gzip) if accepts_gzip => (gzip.clone(), true),
            Body::Gzip(gzip) => match cache.plain_body(&entry) {
                Some(body) => (body, false),
                // Only our own gzip is ever kept; should it not inflate, the client still
                // gets valid bytes, labelled as what they are.
                None => (gzip.clone(), true),
            },
            Body::Plain(body) => (body.clone(), false),
        };
        Self {
            body,
            gzipped,
            _schema: PhantomData,
        }
    }
}

impl<T: Type> Payload for CachedJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for CachedJson<T> {
    fn into_response(self) -> Response {
        let mut response = Response::builder()
            .content_type(<CachedJson<SeatMap> as Payload>::CONTENT_TYPE)
            .header("Vary", "Accept-Encoding");
        if self.gzipped {
            response = response.header("Content-Encoding", "gzip");
        }
        response.body(self.body)
    }
}

/// Serializes a response value the way poem-openapi would.
fn to_bytes(value: &impl ToJSON) -> Vec<u8> {
    value.to_json_string().into_bytes()
}

/// How long an entry may live: the cache TTL, but never past the moment the earliest
/// live hold it reflects lapses (at that instant its seats must read as available).
fn lifetime(state: &AppState, next_lapse_secs: Option<f64>) -> Duration {
    let ttl = state.cache.ttl();
    match next_lapse_secs {
        Some(secs) if secs.is_finite() && secs >= 0.0 => ttl.min(Duration::from_secs_f64(secs)),
        Some(_) => Duration::ZERO,
        None => ttl,
    }
}

/// Loads `show_id`'s entry at `key` through the cache, at least as new as `min_version`
/// (see [`crate::cache::Hub::get_or_load_since`]), unless the show is known not to exist:
/// a 404 is remembered briefly (see [`crate::cache::MISSING_FOR`]).
async fn of_show<F, L>(
    state: &AppState,
    show_id: i64,
    min_version: u64,
    key: String,
    load: L,
) -> Result<Entry>
where
    F: std::future::Future<Output = Result<Entry>>,
    L: Fn() -> F,
{
    let local = state.cache.local();
    if local.known_missing(show_id) {
        return Err(Error::show_not_found(show_id));
    }
    let result = state
        .cache
        .get_or_load_since(key, show_id, min_version, load)
        .await;
    if result
        .as_ref()
        .is_err_and(|err| err.code == Code::ShowNotFound)
    {
        local.remember_missing(show_id);
    }
    result
}

/// Runs a plain read on a replica that has replayed WAL position `lsn`, when one has;
/// else, or when the replica fails it for want of its server, on the primary.
pub async fn from_replica<T, F, Fut>(state: &AppState, lsn: u64, read: F) -> Result<T>
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let db = state.db.at_lsn(lsn);
    if db.reads_from_replica() {
        match read(db).await {
            Err(err) if err.kind() == ErrorKind::Unavailable => {
                tracing::warn!(error = %err.detail, "a read from a replica failed; reading from the primary");
            }
            other => return other,
        }
    }
    read(state.db.clone()).await
}

/// One show, cached, at least as new as `min_version` (0: any copy).
pub async fn show(state: &AppState, show_id: i64, min_version: u64) -> Result<Entry> {
    of_show(
        state,
        show_id,
        min_version,
        keys::show(show_id),
        || async move {
            let (version, lsn) = state.cache.read_position(show_id).await;
            let show = from_replica(state, lsn, |db| async move { db.show(show_id).await }).await?;
            let ttl = lifetime(state, show.next_lapse_secs);
            Ok(Entry::new(
                to_bytes(&ShowView::from(show)),
                version,
                ttl,
                vec![show_id],
            ))
        },
    )
    .await
}

/// A show's seat map, cached, at least as new as `min_version` (0: any copy). A rebuild
/// reads only the taken seats once the show's layout is prepared (see
/// [`super::seat_json`]); the first one reads every seat.
pub async fn seat_map(state: &AppState, show_id: i64, min_version: u64) -> Result<Entry> {
    of_show(
        state,
        show_id,
        min_version,
        keys::seat_map(show_id),
        || async move {
            // The version is read before the seats: every change up to it is in the map
            // (read from a replica only once it has replayed them all).
            let (version, lsn) = state.cache.read_position(show_id).await;
            // The prepared layout serves while the seats' fixed fields have not changed
            // since it was made (an admin's price change moves the show's seats version).
            let prepared = state.seat_layouts.get(show_id).await;
            let taken = match &prepared {
                Some(_) => Some(
                    from_replica(
                        state,
                        lsn,
                        |db| async move { db.taken_seats(show_id).await },
                    )
                    .await?,
                ),
                None => None,
            };
            let (body, next_lapse_secs) = match (prepared, taken) {
                (Some(layout), Some(taken)) if layout.version() == taken.version => (
                    layout.render(show_id, version, &taken.seats),
                    taken.next_lapse_secs,
                ),
                _ => {
                    let read =
                        from_replica(state, lsn, |db| async move { db.seat_map(show_id).await })
                            .await?;
                    let layout = Arc::new(SeatLayout::new(
                        &read.seats,
                        read.version,
                        read.stage.as_ref(),
                    ));
                    let taken: Vec<_> = read
                        .seats
                        .iter()
                        .filter(|s| s.status != SeatStatus::Available)
                        .map(|s| (s.id, s.status))
                        .collect();
                    let body = layout.render(show_id, version, &taken);
                    state.seat_layouts.insert(show_id, layout).await;
                    (body, read.next_lapse_secs)
                }
            };
            let ttl = lifetime(state, next_lapse_secs);
            Ok(Entry::new(body, version, ttl, vec![show_id]))
        },
    )
    .await
}

/// A page of the show list, cached under its normalised query.
pub async fn show_list(
    state: &AppState,
    filter: &ShowFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Entry> {
    // Without `from` the list is "upcoming shows": keyed as such, and computed from the
    // current time when loaded (its lifetime ends when its first show starts).
    let key = keys::show_list(&format!(
        "kind={};from={};to={};after={};limit={limit}",
        filter.kind.as_deref().unwrap_or(""),
        filter
            .from
            .map(|t| t.timestamp_micros().to_string())
            .unwrap_or_else(|| "now".into()),
        filter.to.map(|t| t.timestamp_micros()).unwrap_or_default(),
        after.map(Cursor::encode).unwrap_or_default(),
    ));
    state
        .cache
        .get_or_load(key, async {
            let now = Utc::now();
            let filter = ShowFilter {
                from: Some(filter.from.unwrap_or(now)),
                ..filter.clone()
            };
            let lsn = state.cache.lists_position().await;
            let shows = from_replica(state, lsn, |db| {
                let filter = &filter;
                async move { db.shows(filter, after, limit + 1).await }
            })
            .await?;
            // The page changes by itself when a listed hold lapses or a listed show starts.
            let first_start = shows
                .iter()
                .map(|s| (s.starts_at - now).num_milliseconds().max(0) as f64 / 1000.0)
                .min_by(f64::total_cmp);
            let next_lapse = shows
                .iter()
                .filter_map(|s| s.next_lapse_secs)
                .chain(first_start)
                .min_by(f64::total_cmp);
            let ids = shows.iter().map(|s| s.id).collect();
            let (items, next_cursor) = super::paginate(shows, limit, |s| Cursor {
                at: s.starts_at,
                id: s.id.to_string(),
            });
            let page = ShowPage {
                items: items.into_iter().map(ShowView::from).collect(),
                next_cursor,
            };
            Ok(Entry::new(
                to_bytes(&page),
                0,
                lifetime(state, next_lapse),
                ids,
            ))
        })
        .await
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::super::show_views::{SeatMap, SeatState, SeatView};

    /// The seat map is written with serde for speed; clients must see exactly what the
    /// spec's serializer (poem-openapi) would have written.
    #[test]
    fn seat_map_serde_matches_the_spec_serializer() {
        let seat = |id: i32, x: f32, status| SeatView {
            id,
            label: format!("A{id}"),
            section: "Stalls \"front\"".into(),
            row: "A".into(),
            number: id,
            category: "standard".into(),
            price_cents: 1250,
            x,
            y: 2.5,
            // Some seats have features, some none (then the field is left out).
            features: if id % 2 == 0 {
                vec!["wheelchair".into(), "aisle".into()]
            } else {
                Vec::new()
            },
            // And some are appointment slots, with times.
            starts_at: (id % 3 == 0).then(|| {
                chrono::DateTime::from_timestamp(1_800_000_000 + i64::from(id), 0).unwrap()
            }),
            ends_at: (id % 3 == 0).then(|| {
                chrono::DateTime::from_timestamp_millis(1_800_000_900_250 + i64::from(id)).unwrap()
            }),
            status,
        };
        let map = SeatMap {
            show_id: 7,
            version: 42,
            standing: vec![super::super::show_views::StandingArea {
                section: "Floor \"A\"".into(),
                category: "floor".into(),
                price_cents: 4500,
                capacity: 5000,
                available: 4321,
                outline: vec![
                    super::super::show_views::Point { x: 0.0, y: 0.0 },
                    super::super::show_views::Point { x: 70.5, y: -3.25 },
                ],
            }],
            stage: Some(super::super::show_views::StageView {
                x: 12.5,
                y: -0.25,
                label: "Stage".into(),
            }),
            seats: vec![
                seat(1, 0.0, SeatState::Available),
                seat(2, 1.5, SeatState::Held),
                seat(3, 12.0, SeatState::Booked),
            ],
        };
        let ours: serde_json::Value =
            serde_json::from_slice(&serde_json::to_vec(&map).unwrap()).unwrap();
        assert_eq!(ours, map.to_json().unwrap());
    }
}
