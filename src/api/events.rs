//! Live seat updates: `GET /shows/{id}/events`, a server-sent event stream.
//!
//! Each change to a show's seats, made on any instance, arrives as a `seats` event whose
//! `id` is the version the change produced. A client that reconnects sends the last id
//! it saw (`Last-Event-ID`, as browsers do, or `?since=`): the changes it missed are
//! replayed when this instance still has them all, and otherwise it gets a `resync`
//! event telling it to reload the seat map. Comments keep idle connections open.
//!
//! Events arrive in the order their changes were published, which is not always version
//! order; for each seat, the event with the highest version carries its current status.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use poem::web::Data;
use poem::web::sse::Event;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;
use poem_openapi::{Enum, Object, OpenApi};
use tokio::sync::{broadcast, watch};

use super::Tag;
use super::error::reply;
use super::state::{AppState, ClientIp};
use super::streams::StreamSlot;
use crate::cache::{Notice, ShowChange};
use crate::ratelimit::address_subject;

/// The highest version there can be (versions are Redis integers, which are signed).
const MAX_VERSION: u64 = i64::MAX as u64;

/// How often an idle stream sends a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SeatEventKind {
    /// Seats changed status; `seats` lists them with their new status.
    Seats,
    /// Changes may have been missed, or the show itself changed (an admin changed its
    /// prices, name or time): reload the seat map (and its version).
    Resync,
}

/// A seat's new status.
#[derive(Debug, Clone, Object)]
pub struct SeatStatusChange {
    pub id: i32,
    /// `AVAILABLE`, `HELD` or `BOOKED`.
    pub status: String,
}

/// One event of the stream (the SSE `event` field is `kind`, the `id` field `version`).
#[derive(Debug, Clone, Object)]
pub struct SeatEvent {
    pub kind: SeatEventKind,
    pub show_id: i64,
    /// The show version this change produced (absent on a `resync` no one change caused).
    #[oai(skip_serializing_if_is_none)]
    pub version: Option<u64>,
    pub seats: Vec<SeatStatusChange>,
}

impl SeatEvent {
    /// A change with seats is a `seats` event; one without is a change of the show
    /// itself, which may touch anything on the map: a `resync` with its version.
    fn change(change: &ShowChange) -> Self {
        Self {
            kind: if change.seats.is_empty() {
                SeatEventKind::Resync
            } else {
                SeatEventKind::Seats
            },
            show_id: change.show_id,
            version: Some(change.version),
            seats: change
                .seats
                .iter()
                .map(|s| SeatStatusChange {
                    id: s.id,
                    status: s.status.as_str().to_owned(),
                })
                .collect(),
        }
    }

    fn resync(show_id: i64) -> Self {
        Self {
            kind: SeatEventKind::Resync,
            show_id,
            version: None,
            seats: Vec::new(),
        }
    }
}

type SeatEvents = EventStream<BoxStream<'static, SeatEvent>>;

crate::endpoint_response! {
    pub enum SeatEventsResponse {
        /// A `text/event-stream` of `seats` and `resync` events, with keep-alive comments
        /// every 15 seconds.
        200 => Ok(SeatEvents),
    }
    // 429 / 503 `too_many_streams`: this address, or the instance, has as many open
    // streams as it allows.
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited, TooManyStreams],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, StreamsFull, RequestTimeout],
    ]
}

pub struct EventsApi;

#[OpenApi(tag = "Tag::Shows")]
impl EventsApi {
    /// Live changes to a show's seats, from every instance.
    ///
    /// Events can arrive out of version order: for each seat, apply a change only when its
    /// `version` is higher than that of the last change applied to the seat (for a seat
    /// not changed since the seat map was loaded, the map's `version`).
    #[oai(
        path = "/shows/:id/events",
        method = "get",
        operation_id = "stream_seat_events"
    )]
    async fn events(
        &self,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        /// The last event id received (browsers send it when they reconnect).
        #[oai(name = "Last-Event-ID")]
        last_event_id: Header<Option<String>>,
        /// Like `Last-Event-ID`, for clients that cannot set headers: typically the
        /// `version` of the seat map just loaded.
        #[oai(validator(minimum(value = "0")))]
        since: Query<Option<i64>>,
        client: Data<&ClientIp>,
    ) -> SeatEventsResponse {
        let show_id = id.0;
        let slot = match state.streams.open(address_subject(client.0.0)) {
            Ok(slot) => slot,
            Err(err) => return err.into(),
        };
        // Listen before looking back, so nothing falls between the two.
        let notices = state.cache.subscribe();
        let exists = super::cached::show(&state, show_id, 0).await.map(|_| ());
        let current = state.cache.version(show_id).await;
        // Versions are Redis integers: signed, so a `since` past i64::MAX is refused (400)
        // when parsed, and a Last-Event-ID past it was not given out here.
        let since = since.0.map(|v| v as u64).or_else(|| {
            last_event_id
                .0
                .as_deref()
                .and_then(|v| v.trim().parse().ok())
                .filter(|&v| v <= MAX_VERSION)
        });
        reply(exists, |()| {
            let mut pending = VecDeque::new();
            let mut replayed = HashSet::new();
            if let Some(since) = since {
                match state.cache.changes_since(show_id, since) {
                    Some(missed) => {
                        for change in missed {
                            replayed.insert(change.version);
                            pending.push_back(SeatEvent::change(&change));
                        }
                    }
                    // Nothing recorded here, but the client is up to date.
                    None if since >= current => {}
                    None => pending.push_back(SeatEvent::resync(show_id)),
                }
            }
            let seen = Seen {
                since: since.unwrap_or(0),
                replayed,
            };
            let stream = events(
                show_id,
                notices,
                state.stop.subscribe(),
                pending,
                seen,
                slot,
            );
            SeatEventsResponse::Ok(EventStream::new(stream).keep_alive(KEEP_ALIVE).to_event(
                |event| {
                    let kind = match event.kind {
                        SeatEventKind::Seats => "seats",
                        SeatEventKind::Resync => "resync",
                    };
                    let mut sse = Event::message(event.to_json_string()).event_type(kind);
                    if let Some(version) = event.version {
                        sse = sse.id(version.to_string());
                    }
                    sse
                },
            ))
        })
    }
}

/// Which changes a stream has already covered.
struct Seen {
    /// The client has every change up to this version.
    since: u64,
    /// Versions replayed from the recent changes, which may also arrive live.
    replayed: HashSet<u64>,
}

impl Seen {
    /// True the first time a change newer than `since` shows up.
    fn first_time(&mut self, version: u64) -> bool {
        version > self.since && !self.replayed.remove(&version)
    }
}

/// The events of one show: `pending` first, then live ones not `seen` yet, until the
/// service shuts down. Live changes are passed on as they arrive, which is not always in
/// version order (see `Hub::apply`): for each seat, the change with the highest version
/// carries its current status.
fn events(
    show_id: i64,
    notices: broadcast::Receiver<Notice>,
    stop: watch::Receiver<bool>,
    pending: VecDeque<SeatEvent>,
    seen: Seen,
    listener: StreamSlot,
) -> BoxStream<'static, SeatEvent> {
    futures_util::stream::unfold(
        (notices, stop, pending, seen, listener),
        move |(mut notices, mut stop, mut pending, mut seen, listener)| async move {
            loop {
                if let Some(event) = pending.pop_front() {
                    return Some((event, (notices, stop, pending, seen, listener)));
                }
                if *stop.borrow() {
                    return None;
                }
                let event = tokio::select! {
                    _ = stop.changed() => return None,
                    notice = notices.recv() => match notice {
                        Ok(Notice::Changed(change)) if change.show_id == show_id => {
                            if !seen.first_time(change.version) {
                                continue;
                            }
                            SeatEvent::change(&change)
                        }
                        Ok(Notice::Resync(id)) if id == show_id => SeatEvent::resync(show_id),
                        Ok(Notice::ResyncAll) | Err(broadcast::error::RecvError::Lagged(_)) => {
                            SeatEvent::resync(show_id)
                        }
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                };
                return Some((event, (notices, stop, pending, seen, listener)));
            }
        },
    )
    .boxed()
}
