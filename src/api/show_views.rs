//! What the show endpoints answer with: shows, pages of them, and seat maps (written by
//! `seat_json` too, which must match these byte for byte).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::domain::booking::SeatStatus;
use crate::domain::show::{Seat, Show};

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

/// A standing area: places sold by quantity, drawn as one area.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize)]
pub struct StandingArea {
    pub section: String,
    pub category: String,
    pub price_cents: i64,
    /// Places in all.
    pub capacity: i32,
    /// Places neither held nor sold nor blocked right now.
    pub available: i32,
    /// Where the area lies in the drawing, in the seats' coordinates: the corners of a
    /// convex polygon through the centres of its outermost places, clockwise on a screen
    /// (draw it half a place wider on every side). Absent for shows made before areas had
    /// a place in the drawing.
    #[oai(skip_serializing_if_is_empty, default)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outline: Vec<Point>,
}

/// A point of the seat map's drawing.
#[derive(Debug, Clone, Copy, PartialEq, Object, serde::Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}
