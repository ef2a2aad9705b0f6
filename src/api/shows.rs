//! Public show endpoints: the list, one show, and its live seat map.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{Enum, Object, OpenApi};

use super::Tag;
use super::cached::{self, CachedJson};
use super::error::reply;
use super::state::AppState;
use crate::cache::Entry;
use crate::domain::Result;
use crate::domain::booking::SeatStatus;
use crate::domain::page::{Cursor, page_size};
use crate::domain::show::{Seat, Show};
use crate::store::shows::ShowFilter;

/// What sort of thing the seats are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ShowKind {
    Movie,
    Bus,
    Appointment,
    Event,
}

impl ShowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Movie => "movie",
            Self::Bus => "bus",
            Self::Appointment => "appointment",
            Self::Event => "event",
        }
    }
}

/// A show with its live seat count.
#[derive(Debug, Object)]
#[oai(rename = "Show")]
pub struct ShowView {
    pub id: i64,
    pub name: String,
    /// `movie`, `bus`, `appointment` or `event`.
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub layout_id: Option<i64>,
    pub total_seats: i32,
    /// Seats neither held nor booked right now (a lapsed hold counts as free).
    pub available_seats: i64,
    /// Price in cents per seat category.
    pub prices: BTreeMap<String, i64>,
    pub created_at: DateTime<Utc>,
    /// Set when an admin cancelled the show: it takes no holds, and its bookings were
    /// cancelled with it (`failure_reason` `SHOW_CANCELLED`).
    #[oai(skip_serializing_if_is_none)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The venue's IANA time zone (`Europe/Lisbon`): show the times in it, with its name.
    pub time_zone: String,
    /// ISO 4217 code of `prices` and of every booking's `total_cents`.
    pub currency: String,
}

impl From<Show> for ShowView {
    fn from(show: Show) -> Self {
        Self {
            id: show.id,
            name: show.name,
            kind: show.kind,
            starts_at: show.starts_at,
            layout_id: show.layout_id,
            total_seats: show.total_seats,
            available_seats: show.available_seats,
            prices: show.prices,
            created_at: show.created_at,
            cancelled_at: show.cancelled_at,
            time_zone: show.time_zone.name().to_owned(),
            currency: show.currency,
        }
    }
}

/// One page of shows.
#[derive(Debug, Object)]
pub struct ShowPage {
    pub items: Vec<ShowView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// A seat's status on the seat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "UPPERCASE")]
#[serde(rename_all = "UPPERCASE")]
pub enum SeatState {
    Available,
    Held,
    Booked,
    /// Off sale (house seats, a broken seat).
    Blocked,
}

impl From<SeatStatus> for SeatState {
    fn from(status: SeatStatus) -> Self {
        match status {
            SeatStatus::Available => Self::Available,
            SeatStatus::Held => Self::Held,
            SeatStatus::Booked => Self::Booked,
            SeatStatus::Blocked => Self::Blocked,
        }
    }
}

/// One seat on the map.
// Seat maps are serialized with serde straight to bytes (the 20,000-seat map would
// otherwise be built as a `serde_json::Value` tree first); a unit test keeps both
// serializations identical.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename = "Seat")]
pub struct SeatView {
    /// Seat id within the show (what POST /bookings takes in `seat_ids`).
    pub id: i32,
    /// Row label + number, e.g. `A12`.
    pub label: String,
    pub section: String,
    /// Row label.
    pub row: String,
    /// The seat's number in its row (1 at the row's `numbering` start).
    pub number: i32,
    pub category: String,
    pub price_cents: i64,
    /// Drawing position in seat widths (rows are centred).
    pub x: f32,
    /// Drawing position in row heights (one empty row between sections).
    pub y: f32,
    /// What a buyer should know of the seat: `wheelchair` (a wheelchair space), `aisle`
    /// (next to an aisle), `window` (by a window, in a coach). Absent when none.
    #[oai(skip_serializing_if_is_empty, default)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// For an appointment slot: when it starts (show it in the show's `time_zone`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "as_spec_writes"
    )]
    pub starts_at: Option<DateTime<Utc>>,
    /// For an appointment slot: when it ends.
    #[oai(skip_serializing_if_is_none)]
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "as_spec_writes"
    )]
    pub ends_at: Option<DateTime<Utc>>,
    // Last: the prepared seat-map JSON is cut just before its value (`seat_json`).
    pub status: SeatState,
}

/// A time as poem-openapi writes it (`+00:00`, where chrono's serde writes `Z`): the
/// seat map is serialized with serde, and must read exactly as the spec's serializer
/// would have written it.
fn as_spec_writes<S: serde::Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_str(&time.to_rfc3339()),
        None => serializer.serialize_none(),
    }
}

impl From<Seat> for SeatView {
    fn from(seat: Seat) -> Self {
        Self {
            id: seat.id,
            label: seat.label,
            section: seat.section,
            row: seat.row,
            number: seat.number,
            category: seat.category,
            price_cents: seat.price_cents,
            x: seat.x,
            y: seat.y,
            features: seat.features,
            starts_at: seat.slot.map(|(start, _)| start),
            ends_at: seat.slot.map(|(_, end)| end),
            status: seat.status.into(),
        }
    }
}

/// Every seat of a show with its live status.
#[derive(Debug, Object, serde::Serialize)]
pub struct SeatMap {
    pub show_id: i64,
    /// The show's change version this map includes: every change event with a higher
    /// version is newer than the map (0: no change seen yet, or unknown).
    pub version: u64,
    /// The show's standing areas (held by `quantity` with `section`), with places left;
    /// their places are not among `seats`. Absent when there are none.
    #[oai(skip_serializing_if_is_empty, default)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub standing: Vec<StandingArea>,
    /// The layout's focal point (stage, screen, front of a coach) in the seats'
    /// coordinates, when it names one.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<StageView>,
    // Last: the prepared seat-map JSON is cut just before its end (`seat_json`).
    pub seats: Vec<SeatView>,
}

/// A layout's focal point on the seat map.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize)]
#[oai(rename = "Stage")]
pub struct StageView {
    pub x: f32,
    pub y: f32,
    pub label: String,
}

/// A standing area: places sold by quantity, not drawn.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize)]
pub struct StandingArea {
    pub section: String,
    pub category: String,
    pub price_cents: i64,
    /// Places in all.
    pub capacity: i32,
    /// Places neither held nor sold nor blocked right now.
    pub available: i32,
}

crate::endpoint_response! {
    pub enum ListShowsResponse {
        /// A page of shows ordered by start time, then id.
        200 => Ok(CachedJson<ShowPage>, #[oai(header = "ETag")] String),
        /// The page has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, InvalidLimit, InvalidCursor, BadRequest],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum GetShowResponse {
        /// The show.
        200 => Ok(CachedJson<ShowView>, #[oai(header = "ETag")] String),
        /// The show has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum SeatMapResponse {
        /// The seat map.
        200 => Ok(CachedJson<SeatMap>, #[oai(header = "ETag")] String),
        /// The seat map has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

/// A cached body as a 200 with its ETag (gzip-compressed when the request accepts it),
/// or 304 when the client has it already.
macro_rules! conditional {
    ($response:ident, $entry:expr, $request:expr, $if_none_match:expr, $cache:expr) => {{
        let entry = $entry;
        if entry.matches($if_none_match.0.as_deref()) {
            $response::NotModified
        } else {
            let etag = entry.etag.to_string();
            let accept = $request
                .headers()
                .get(poem::http::header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok());
            $response::Ok(CachedJson::new(entry, accept, $cache), etag)
        }
    }};
}

pub struct ShowsApi;

#[OpenApi(tag = "Tag::Shows")]
impl ShowsApi {
    /// List shows (by default those that have not started yet).
    #[oai(path = "/shows", method = "get", operation_id = "list_shows")]
    // One argument per HTTP parameter: that is how poem-openapi describes them.
    #[allow(clippy::too_many_arguments)]
    async fn list_shows(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        /// Only shows of this kind.
        kind: Query<Option<ShowKind>>,
        /// Only shows starting at or after this time (RFC 3339, taken to the second);
        /// default: now.
        from: Query<Option<DateTime<Utc>>>,
        /// Only shows starting before this time (RFC 3339, taken to the second).
        to: Query<Option<DateTime<Utc>>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// ETag of a page you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ListShowsResponse {
        let result: Result<Entry> = async {
            let limit = page_size(limit.0)?;
            let after = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            // Whole seconds: every distinct query is a cache entry and a database query,
            // and sub-second bounds would let a client make endless distinct ones.
            let filter = ShowFilter {
                kind: kind.0.map(|k| k.as_str().to_owned()),
                from: from.0.map(|t| t.trunc_subsecs(0)),
                to: to.0.map(|t| t.trunc_subsecs(0)),
            };
            cached::show_list(&state, &filter, after.as_ref(), limit).await
        }
        .await;
        reply(result, |entry| {
            conditional!(
                ListShowsResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }

    /// One show with its live seat count.
    #[oai(path = "/shows/:id", method = "get", operation_id = "get_show")]
    async fn get_show(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        id: Path<i64>,
        /// ETag of the show you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> GetShowResponse {
        reply(cached::show(&state, id.0).await, |entry| {
            conditional!(
                GetShowResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }

    /// A show's seat map: every seat with position, category, price and live status.
    #[oai(
        path = "/shows/:id/seats",
        method = "get",
        operation_id = "get_seat_map"
    )]
    async fn seat_map(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        id: Path<i64>,
        /// ETag of the seat map you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> SeatMapResponse {
        reply(cached::seat_map(&state, id.0).await, |entry| {
            conditional!(
                SeatMapResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }
}
