//! Admin endpoints: seat layouts and show creation.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use super::bookings::{BookingState, BookingView};
use super::error::reply;
use super::security::AdminAuth;
use super::show_views::{ShowKind, ShowView};
use super::state::AppState;
use super::text::Text;
use crate::domain::booking::{BookingStatus, SeatBlock};
use crate::domain::layout::{
    Layout as DomainLayout, LayoutSpec, Numbering, Placement, RowSpec, SectionSpec, SlotSpec, Stage,
};
use crate::domain::page::{Cursor, page_size};
use crate::domain::show::{ShowDraft, ShowPatch};
use crate::domain::ticket::{reference, reference_range};
use crate::domain::{Code, Result};
use crate::store::bookings::ShowReport;
use crate::store::layouts::LayoutRecord;
use crate::store::shows::LayoutSource;

/// A row of seats numbered 1..=seats, from the left unless `numbering` says otherwise.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LayoutRow {
    /// Row label, 1 to 8 letters, digits or `-`; unique within the layout. Seat labels
    /// are the row label followed by the seat number (`A12`).
    pub label: Text,
    /// The row's seat numbers run 1 to this (1 to 500), missing ones included.
    pub seats: i32,
    /// Category of this row's seats, if not the section's.
    #[oai(skip_serializing_if_is_none)]
    pub category: Option<Text>,
    /// An aisle one seat wide after each of these seat numbers (seats beside it get the
    /// `aisle` feature; "best available" never seats a party across it).
    #[oai(skip_serializing_if_is_none)]
    pub gaps_after: Option<Vec<i32>>,
    /// Numbers with no seat (a pillar, a removed seat); their place stays empty and the
    /// other seats keep their numbers.
    #[oai(skip_serializing_if_is_none)]
    pub missing: Option<Vec<i32>>,
    /// Wheelchair spaces (the `wheelchair` feature; "best available" gives them only to
    /// holds that ask for `accessible`).
    #[oai(skip_serializing_if_is_none)]
    pub accessible: Option<Vec<i32>>,
    /// Which end seat 1 is at, seen from the stage (default `left_to_right`).
    #[oai(skip_serializing_if_is_none)]
    pub numbering: Option<RowNumbering>,
    /// How far the row's ends come forward, in row depths (at most 100 either way): the
    /// row bends as a parabola through its middle, as in a theatre or a bowl.
    #[oai(skip_serializing_if_is_none)]
    pub curve: Option<f32>,
}

/// The direction seat numbers run in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum RowNumbering {
    LeftToRight,
    RightToLeft,
}

impl From<RowNumbering> for Numbering {
    fn from(n: RowNumbering) -> Self {
        match n {
            RowNumbering::LeftToRight => Numbering::LeftToRight,
            RowNumbering::RightToLeft => Numbering::RightToLeft,
        }
    }
}

impl From<Numbering> for RowNumbering {
    fn from(n: Numbering) -> Self {
        match n {
            Numbering::LeftToRight => RowNumbering::LeftToRight,
            Numbering::RightToLeft => RowNumbering::RightToLeft,
        }
    }
}

/// A section of rows (stalls, balcony, lower deck…), or of appointment slots (a
/// practitioner's session).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LayoutSection {
    /// 1 to 200 characters, unique within the layout.
    pub name: Text,
    /// Category of the section's seats (1 to 32 letters, digits, `_` or `-`), e.g. `standard`.
    pub category: Text,
    /// Rows from front to back; front rows are preferred by "best available". A section
    /// has rows or `slots`.
    #[oai(default, skip_serializing_if_is_empty)]
    pub rows: Vec<LayoutRow>,
    /// Appointment slots instead of rows: each one bookable place, labelled by the
    /// section's name and its time (`Dr. Rivera 09:30`); the seat map gives each its
    /// `starts_at` and `ends_at`.
    #[oai(skip_serializing_if_is_none)]
    pub slots: Option<LayoutSlots>,
    /// A standing area of this many places (1 to 50,000) instead of rows: sold by
    /// `quantity` with `section` only, never by seat id; the seat map gives its capacity
    /// and places left instead of seats.
    #[oai(skip_serializing_if_is_none)]
    pub standing: Option<i32>,
    /// Where the section sits in the drawing; without it sections stack front to back.
    #[oai(skip_serializing_if_is_none)]
    pub position: Option<LayoutPlacement>,
}

/// Slots of `minutes` each from `from` until `to`: local times (`HH:MM`) on the show's
/// day in its `time_zone`.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LayoutSlots {
    /// First slot's start, `HH:MM`.
    pub from: Text,
    /// When the session ends, `HH:MM`; the last slot ends at or before it.
    pub to: Text,
    /// Length of each slot, 5 to 480 minutes.
    pub minutes: i32,
}

/// A seat layout to create: at most 50 sections, 1,000 rows and 50,000 seats.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewLayout {
    /// 1 to 200 characters.
    pub name: Text,
    pub sections: Vec<LayoutSection>,
    /// The focal point (a stage, a screen, the front of a coach) in the drawing's units
    /// (seat widths): "best available" then ranks seats by their distance to it, and the
    /// seat map gives it so that clients can draw it.
    #[oai(skip_serializing_if_is_none)]
    pub stage: Option<LayoutStage>,
}

/// A layout's focal point.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LayoutStage {
    pub x: f32,
    pub y: f32,
    /// `Stage`, `Screen`, `Front of coach`: 1 to 200 characters.
    pub label: Text,
}

/// Where a section sits: its front row's middle lands on (`x`, `y`), turned clockwise by
/// `rotation` degrees (0: facing up, towards lower `y`).
#[derive(Debug, Clone, Copy, Object)]
#[oai(deny_unknown_fields)]
pub struct LayoutPlacement {
    pub x: f32,
    pub y: f32,
    #[oai(default)]
    pub rotation: f32,
}

impl From<NewLayout> for LayoutSpec {
    fn from(layout: NewLayout) -> Self {
        LayoutSpec {
            stage: layout.stage.map(|s| Stage {
                x: s.x,
                y: s.y,
                label: s.label.into(),
            }),
            name: layout.name.into(),
            sections: layout
                .sections
                .into_iter()
                .map(|s| SectionSpec {
                    name: s.name.into(),
                    category: s.category.into(),
                    rows: s
                        .rows
                        .into_iter()
                        .map(|r| RowSpec {
                            label: r.label.into(),
                            seats: r.seats,
                            category: r.category.map(Into::into),
                            gaps_after: r.gaps_after.unwrap_or_default(),
                            missing: r.missing.unwrap_or_default(),
                            accessible: r.accessible.unwrap_or_default(),
                            numbering: r.numbering.map(Into::into),
                            curve: r.curve,
                        })
                        .collect(),
                    slots: s.slots.map(|slots| SlotSpec {
                        from: slots.from.into(),
                        to: slots.to.into(),
                        minutes: slots.minutes,
                    }),
                    standing: s.standing,
                    position: s.position.map(|p| Placement {
                        x: p.x,
                        y: p.y,
                        rotation: p.rotation,
                    }),
                })
                .collect(),
        }
    }
}

impl From<LayoutSpec> for Vec<LayoutSection> {
    fn from(spec: LayoutSpec) -> Self {
        spec.sections
            .into_iter()
            .map(|s| LayoutSection {
                name: Text(s.name),
                category: Text(s.category),
                rows: s
                    .rows
                    .into_iter()
                    .map(|r| LayoutRow {
                        label: Text(r.label),
                        seats: r.seats,
                        category: r.category.map(Text),
                        gaps_after: (!r.gaps_after.is_empty()).then_some(r.gaps_after),
                        missing: (!r.missing.is_empty()).then_some(r.missing),
                        accessible: (!r.accessible.is_empty()).then_some(r.accessible),
                        numbering: r.numbering.map(Into::into),
                        curve: r.curve,
                    })
                    .collect(),
                slots: s.slots.map(|slots| LayoutSlots {
                    from: Text(slots.from),
                    to: Text(slots.to),
                    minutes: slots.minutes,
                }),
                standing: s.standing,
                position: s.position.map(|p| LayoutPlacement {
                    x: p.x,
                    y: p.y,
                    rotation: p.rotation,
                }),
            })
            .collect()
    }
}

/// A stored layout.
#[derive(Debug, Object)]
pub struct Layout {
    pub id: i64,
    pub name: String,
    pub seat_count: i32,
    /// The distinct seat categories, sorted; a show needs a price for each.
    pub categories: Vec<String>,
    pub sections: Vec<LayoutSection>,
    #[oai(skip_serializing_if_is_none)]
    pub stage: Option<LayoutStage>,
    pub created_at: DateTime<Utc>,
}

impl From<LayoutRecord> for Layout {
    fn from(record: LayoutRecord) -> Self {
        let mut categories: Vec<String> = record
            .spec
            .sections
            .iter()
            .flat_map(|s| {
                // A section of slots or standing places has its own category only.
                let own = s.rows.is_empty().then(|| s.category.clone());
                let rows = s
                    .rows
                    .iter()
                    .map(|r| r.category.clone().unwrap_or_else(|| s.category.clone()));
                own.into_iter().chain(rows)
            })
            .collect();
        categories.sort();
        categories.dedup();
        Self {
            id: record.id,
            name: record.spec.name.clone(),
            seat_count: record.seat_count,
            categories,
            stage: record.spec.stage.clone().map(|s| LayoutStage {
                x: s.x,
                y: s.y,
                label: Text(s.label),
            }),
            sections: record.spec.into(),
            created_at: record.created_at,
        }
    }
}

/// One page of layouts.
#[derive(Debug, Object)]
pub struct LayoutPage {
    pub items: Vec<Layout>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// A show to create, on a stored layout (`layout_id`) or an inline one (`layout`):
/// exactly one of the two.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewShow {
    /// 1 to 200 characters.
    pub name: Text,
    pub kind: ShowKind,
    /// RFC 3339; must be in the future.
    pub starts_at: DateTime<Utc>,
    pub layout_id: Option<i64>,
    pub layout: Option<NewLayout>,
    /// Price in cents for every category of the layout, and no others.
    pub prices: BTreeMap<String, i64>,
    /// The venue's IANA time zone (`Europe/Lisbon`; default `UTC`): how people there read
    /// the show's times, and where appointment slots fall.
    pub time_zone: Option<String>,
    /// ISO 4217 code of `prices` (default `EUR`). Fixed once the show exists: its
    /// bookings are paid in it.
    pub currency: Option<String>,
}

crate::endpoint_response! {
    pub enum CreateLayoutResponse {
        /// The layout was stored.
        201 => Created(Json<Layout>),
    }
    errors: [
        BadRequest: [InvalidBody, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [
            InvalidName, EmptyLayout, EmptySection, DuplicateSection, TooManySections,
            TooManyRows, TooManySeats, InvalidRowSize, InvalidRowLabel, DuplicateRowLabel,
            DuplicateSeatLabel, InvalidSeatNumbers, InvalidCategory, InvalidSlots, InvalidSectionKind, InvalidPlacement,
        ],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum ListLayoutsResponse {
        /// A page of layouts, oldest first.
        200 => Ok(Json<LayoutPage>),
    }
    errors: [
        BadRequest: [InvalidParameter, InvalidLimit, InvalidCursor, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum GetLayoutResponse {
        /// The layout.
        200 => Ok(Json<Layout>),
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [LayoutNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum CreateShowResponse {
        /// The show was created and its seats materialised.
        201 => Created(Json<ShowView>),
    }
    errors: [
        BadRequest: [InvalidBody, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [LayoutNotFound],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [
            InvalidName, InvalidKind, InvalidPrice, MissingPrice, UnknownCategory,
            StartsInPast, InvalidTimeZone, InvalidCurrency, InvalidLayoutChoice, EmptyLayout, EmptySection, DuplicateSection,
            TooManySections, TooManyRows, TooManySeats, InvalidRowSize, InvalidRowLabel,
            DuplicateRowLabel, DuplicateSeatLabel, InvalidSeatNumbers, InvalidCategory, InvalidSlots, InvalidSectionKind, InvalidPlacement,
        ],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

/// What to change of a show: any of its name, time and prices, at least one.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ShowUpdate {
    /// 1 to 200 characters.
    pub name: Option<Text>,
    /// RFC 3339; must be in the future. Buyers with live bookings get a `show.changed`
    /// event.
    pub starts_at: Option<DateTime<Utc>>,
    /// Price in cents for every category of the show, and no others. Seats sold or held
    /// keep what their bookings cost.
    pub prices: Option<BTreeMap<String, i64>>,
    /// The venue's IANA time zone. `starts_at` stays the same instant.
    pub time_zone: Option<String>,
}

crate::endpoint_response! {
    pub enum PatchShowResponse {
        /// The show after the change.
        200 => Ok(Json<ShowView>),
    }
    errors: [
        BadRequest: [InvalidBody, InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        Conflict: [ShowStarted, ShowCancelled],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [EmptyChange, InvalidName, InvalidPrice, MissingPrice, UnknownCategory, StartsInPast, InvalidTimeZone],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

/// A show after its cancellation, and what the cancellation did.
#[derive(Debug, Object)]
pub struct CancelledShow {
    pub show: ShowView,
    /// Confirmed bookings cancelled with the show (`failure_reason` `SHOW_CANCELLED`):
    /// the buyers to refund and tell. 0 when the show was cancelled already.
    pub bookings_cancelled: i64,
    /// Live holds cancelled with it.
    pub holds_cancelled: i64,
    /// Holds that had run out before and were written down as expired.
    pub holds_expired: i64,
}

crate::endpoint_response! {
    pub enum CancelShowResponse {
        /// The show is cancelled (now, or it was already).
        200 => Ok(Json<CancelledShow>),
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        Conflict: [ShowStarted],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

/// Seats to take off sale, and why.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewSeatBlock {
    /// Seat ids of the show, 1 to 1000, distinct.
    pub seat_ids: Vec<i64>,
    /// Why (house seats, a broken seat), 1 to 200 characters.
    pub reason: Text,
}

/// Blocked seats to put back on sale.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SeatRelease {
    /// Seat ids of the show, 1 to 1000, distinct; seats not blocked are left as they are.
    pub seat_ids: Vec<i64>,
}

/// Which seats a block or an unblock changed.
#[derive(Debug, Object)]
pub struct SeatsChanged {
    pub show_id: i64,
    /// The seats whose status changed (blocked, or back on sale), ascending.
    pub seat_ids: Vec<i32>,
}

crate::endpoint_response! {
    pub enum BlockSeatsResponse {
        /// The seats are off sale (status `BLOCKED`); `seat_ids` are those newly blocked.
        200 => Ok(Json<SeatsChanged>),
    }
    errors: [
        BadRequest: [InvalidBody, InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        Conflict: [SeatsUnavailable, ShowCancelled],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [InvalidSeatCount, InvalidSeatId, DuplicateSeatIds, UnknownSeats, InvalidName],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum UnblockSeatsResponse {
        /// The blocked seats named are on sale again; `seat_ids` are those released.
        200 => Ok(Json<SeatsChanged>),
    }
    errors: [
        BadRequest: [InvalidBody, InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        Conflict: [ShowCancelled],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Invalid: [InvalidSeatCount, InvalidSeatId, DuplicateSeatIds, UnknownSeats],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, ServiceBusy, RequestTimeout],
    ]
}

/// Seats of one category, by status (a lapsed hold counts as available).
#[derive(Debug, Object)]
pub struct CategorySales {
    pub category: String,
    pub available: i64,
    pub held: i64,
    pub booked: i64,
    pub blocked: i64,
    /// Sold seats whose tickets were checked in at the door.
    pub checked_in: i64,
}

/// A show's sales at one instant (every figure from the same snapshot).
#[derive(Debug, Object)]
pub struct ShowReportView {
    pub show_id: i64,
    /// By category, sorted.
    pub categories: Vec<CategorySales>,
    pub confirmed_bookings: i64,
    /// What the confirmed bookings paid, in cents.
    pub revenue_cents: i64,
    /// Holds that have not lapsed, and the seats they hold.
    pub live_holds: i64,
    pub held_seats: i64,
    /// Tickets checked in at the door, in all.
    pub checked_in: i64,
    /// Seats taken off sale, with the reason given, by seat id.
    pub blocked_seats: Vec<BlockedSeatView>,
}

/// A seat taken off sale.
#[derive(Debug, Object)]
#[oai(rename = "BlockedSeat")]
pub struct BlockedSeatView {
    pub seat_id: i32,
    pub label: String,
    /// Why, as given when it was blocked.
    pub reason: String,
}

impl ShowReportView {
    fn new(show_id: i64, report: ShowReport) -> Self {
        Self {
            checked_in: report.categories.iter().map(|c| c.checked_in).sum(),
            show_id,
            categories: report
                .categories
                .into_iter()
                .map(|c| CategorySales {
                    category: c.category,
                    available: c.available,
                    held: c.held,
                    booked: c.booked,
                    blocked: c.blocked,
                    checked_in: c.checked_in,
                })
                .collect(),
            confirmed_bookings: report.confirmed_bookings,
            revenue_cents: report.revenue_cents,
            live_holds: report.live_holds,
            held_seats: report.held_seats,
            blocked_seats: report
                .blocked
                .into_iter()
                .map(|b| BlockedSeatView {
                    seat_id: b.seat_id,
                    label: b.label,
                    reason: b.reason,
                })
                .collect(),
        }
    }
}

/// A booking of a show with its buyer, for the box office.
#[derive(Debug, Object)]
pub struct BoxOfficeBooking {
    #[oai(flatten)]
    pub booking: BookingView,
    /// The buyer's e-mail.
    pub email: String,
}

/// One page of a show's bookings.
#[derive(Debug, Object)]
pub struct BoxOfficePage {
    pub items: Vec<BoxOfficeBooking>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

crate::endpoint_response! {
    pub enum ShowReportResponse {
        /// The show's report.
        200 => Ok(Json<ShowReportView>),
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

/// A ticket presented at the door.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The ticket's code, scanned from its QR code or typed (case does not matter).
    pub code: Text,
}

/// A ticket admitted.
#[derive(Debug, Object)]
#[oai(rename = "CheckIn")]
pub struct CheckInView {
    pub show_id: i64,
    pub seat_id: i32,
    /// The seat's label.
    pub seat: String,
    pub category: String,
    pub booking_id: Uuid,
    /// The booking's reference.
    pub reference: String,
    pub checked_in_at: DateTime<Utc>,
}

crate::endpoint_response! {
    pub enum CheckInResponse {
        /// The ticket is valid and was not used before: let its holder in.
        200 => Ok(Json<CheckInView>),
    }
    errors: [
        BadRequest: [InvalidBody, InvalidParameter, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound, TicketNotFound],
        Conflict: [AlreadyCheckedIn],
        PayloadTooLarge: [PayloadTooLarge],
        UnsupportedMediaType: [UnsupportedMediaType],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum ShowBookingsResponse {
        /// A page of the show's bookings, newest first.
        200 => Ok(Json<BoxOfficePage>),
    }
    errors: [
        BadRequest: [InvalidParameter, InvalidLimit, InvalidCursor, BadRequest],
        Unauthenticated: [MissingToken, InvalidToken],
        Forbidden: [AdminOnly],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

pub struct AdminApi;

#[OpenApi(tag = "Tag::Admin")]
impl AdminApi {
    /// Store a seat layout.
    #[oai(
        path = "/admin/layouts",
        method = "post",
        operation_id = "create_layout"
    )]
    async fn create_layout(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        body: Json<NewLayout>,
    ) -> CreateLayoutResponse {
        let result: Result<Layout> = async {
            let layout = DomainLayout::parse(body.0.into())?;
            Ok(state.db.create_layout(&layout, None).await?.into())
        }
        .await;
        reply(result, |layout| CreateLayoutResponse::Created(Json(layout)))
    }

    /// List stored layouts, oldest first.
    #[oai(path = "/admin/layouts", method = "get", operation_id = "list_layouts")]
    async fn list_layouts(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ListLayoutsResponse {
        let result: Result<LayoutPage> = async {
            let limit = page_size(limit.0)?;
            let after = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            let records = state.db.layouts(after.as_ref(), limit + 1).await?;
            let (items, next) = super::paginate(records, limit, |l| Cursor {
                at: l.created_at,
                id: l.id.to_string(),
            });
            Ok(LayoutPage {
                items: items.into_iter().map(Layout::from).collect(),
                next_cursor: next,
            })
        }
        .await;
        reply(result, |page| ListLayoutsResponse::Ok(Json(page)))
    }

    /// One stored layout.
    #[oai(
        path = "/admin/layouts/:id",
        method = "get",
        operation_id = "get_layout"
    )]
    async fn get_layout(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
    ) -> GetLayoutResponse {
        reply(state.db.layout(id.0).await, |layout| {
            GetLayoutResponse::Ok(Json(layout.into()))
        })
    }

    /// Create a show and materialise its seats.
    #[oai(path = "/admin/shows", method = "post", operation_id = "create_show")]
    async fn create_show(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        body: Json<NewShow>,
    ) -> CreateShowResponse {
        reply(create_show(&state, body.0).await, |show| {
            CreateShowResponse::Created(Json(show))
        })
    }

    /// Change a show's name, time or prices before it starts. New prices apply to every
    /// seat from now on (bookings already made keep their totals); a new name or time
    /// sends a `show.changed` event for every live booking. Open seat maps are told to
    /// fetch the map again.
    #[oai(
        path = "/admin/shows/:id",
        method = "patch",
        operation_id = "patch_show"
    )]
    async fn patch_show(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        body: Json<ShowUpdate>,
    ) -> PatchShowResponse {
        let result = async {
            let body = body.0;
            let patch = ShowPatch::parse(
                body.name.as_deref(),
                body.starts_at,
                body.prices,
                body.time_zone.as_deref(),
                Utc::now(),
            )?;
            crate::service::shows::patch(&state.db, &state.cache, id.0, &patch).await
        };
        reply(result.await, |show| {
            PatchShowResponse::Ok(Json(show.into()))
        })
    }

    /// Cancel a show before it starts: it takes no more holds (409 `show_cancelled`) and
    /// stays listed with `cancelled_at`. Every live booking fails with `failure_reason`
    /// `SHOW_CANCELLED` (a `booking.cancelled` event each) and its seats are freed; other
    /// shows sell on meanwhile. Cancelling a cancelled show changes nothing.
    #[oai(
        path = "/admin/shows/:id/cancel",
        method = "post",
        operation_id = "cancel_show"
    )]
    async fn cancel_show(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
    ) -> CancelShowResponse {
        let result = crate::service::shows::cancel(&state.db, &state.cache, id.0).await;
        reply(result, |(show, done)| {
            CancelShowResponse::Ok(Json(CancelledShow {
                show: show.into(),
                bookings_cancelled: done.bookings,
                holds_cancelled: done.holds,
                holds_expired: done.lapsed,
            }))
        })
    }

    /// Take seats off sale (house seats, a broken seat): they read `BLOCKED` on the seat
    /// map and no hold can take them. All or none: a seat held or sold is a 409 naming it
    /// (`seats_unavailable`); seats already blocked stay so.
    #[oai(
        path = "/admin/shows/:id/blocks",
        method = "post",
        operation_id = "block_seats"
    )]
    async fn block_seats(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        body: Json<NewSeatBlock>,
    ) -> BlockSeatsResponse {
        let result = async {
            let block = SeatBlock::parse(body.0.seat_ids, Some(&body.0.reason))?;
            crate::service::shows::block(&state.db, &state.cache, id.0, &block).await
        };
        reply(result.await, |seat_ids| {
            BlockSeatsResponse::Ok(Json(SeatsChanged {
                show_id: id.0,
                seat_ids,
            }))
        })
    }

    /// A show's sales: seats by status and category, confirmed bookings and revenue, live
    /// holds; all from one snapshot.
    #[oai(
        path = "/admin/shows/:id/report",
        method = "get",
        operation_id = "show_report"
    )]
    async fn show_report(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
    ) -> ShowReportResponse {
        // From a replica once it has replayed the show's last change: exact as of it.
        let show_id = id.0;
        let (_, lsn) = state.cache.read_position(show_id).await;
        let report =
            super::cached::from_replica(
                &state,
                lsn,
                |db| async move { db.show_report(show_id).await },
            )
            .await;
        reply(report, |report| {
            ShowReportResponse::Ok(Json(ShowReportView::new(id.0, report)))
        })
    }

    /// A show's bookings with each buyer's e-mail, newest first (for the box office).
    #[oai(
        path = "/admin/shows/:id/bookings",
        method = "get",
        operation_id = "show_bookings"
    )]
    // One argument per HTTP parameter: that is how poem-openapi describes them.
    #[allow(clippy::too_many_arguments)]
    async fn show_bookings(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        /// Only bookings of this status (a hold past its expiry is `FAILED`).
        status: Query<Option<BookingState>>,
        /// Only the booking with this reference (`K7Q2-M9XD`; case and hyphen do not
        /// matter), as a buyer reads it out at the box office.
        reference: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ShowBookingsResponse {
        let result = async {
            let limit = page_size(limit.0)?;
            let after = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            let status = status.0.map(|s| match s {
                BookingState::Pending => BookingStatus::Pending,
                BookingState::Confirmed => BookingStatus::Confirmed,
                BookingState::Failed => BookingStatus::Failed,
            });
            let ids = reference
                .0
                .as_deref()
                .map(|r| {
                    reference_range(r).ok_or_else(|| {
                        crate::domain::Error::new(
                            Code::InvalidParameter,
                            format!("{r:?} is not a booking reference (8 letters and digits, like K7Q2-M9XD)."),
                        )
                    })
                })
                .transpose()?;
            let show_id = id.0;
            let (_, lsn) = state.cache.read_position(show_id).await;
            let bookings = super::cached::from_replica(&state, lsn, |db| {
                let after = after.as_ref();
                async move {
                    db.show_bookings(show_id, status, ids, after, limit + 1)
                        .await
                }
            })
            .await?;
            let (items, next_cursor) = super::paginate(bookings, limit, |b| Cursor {
                at: b.booking.created_at,
                id: b.booking.id.to_string(),
            });
            Ok(BoxOfficePage {
                items: items
                    .into_iter()
                    .map(|b| BoxOfficeBooking {
                        booking: BookingView::new(b.booking, &state.tickets),
                        email: b.email,
                    })
                    .collect(),
                next_cursor,
            })
        };
        reply(result.await, |page| ShowBookingsResponse::Ok(Json(page)))
    }

    /// Check a ticket in at the door: admits it once.
    ///
    /// 404 `ticket_not_found` for a code that is not a ticket of this show (of another
    /// show, mistyped, or of a booking cancelled since); 409 `already_checked_in`, with
    /// `checked_in_at` of the first scan, for a ticket scanned before.
    #[oai(
        path = "/admin/shows/:id/check-in",
        method = "post",
        operation_id = "check_in"
    )]
    async fn check_in(
        &self,
        admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        body: Json<CheckInRequest>,
    ) -> CheckInResponse {
        let result = state
            .db
            .check_in(id.0, &body.0.code.0, &state.tickets, admin.0.user_id)
            .await;
        reply(result, |admitted| {
            CheckInResponse::Ok(Json(CheckInView {
                show_id: id.0,
                seat_id: admitted.seat_id,
                seat: admitted.label,
                category: admitted.category,
                booking_id: admitted.booking_id,
                reference: reference(admitted.booking_id),
                checked_in_at: admitted.checked_in_at,
            }))
        })
    }

    /// Put blocked seats back on sale.
    #[oai(
        path = "/admin/shows/:id/unblock",
        method = "post",
        operation_id = "unblock_seats"
    )]
    async fn unblock_seats(
        &self,
        _admin: AdminAuth,
        state: Data<&Arc<AppState>>,
        id: Path<i64>,
        body: Json<SeatRelease>,
    ) -> UnblockSeatsResponse {
        let result = async {
            let block = SeatBlock::parse(body.0.seat_ids, None)?;
            crate::service::shows::unblock(&state.db, &state.cache, id.0, &block).await
        };
        reply(result.await, |seat_ids| {
            UnblockSeatsResponse::Ok(Json(SeatsChanged {
                show_id: id.0,
                seat_ids,
            }))
        })
    }
}

async fn create_show(state: &AppState, body: NewShow) -> Result<ShowView> {
    let draft = ShowDraft::parse(
        &body.name,
        body.kind.as_str(),
        body.starts_at,
        body.prices,
        body.time_zone.as_deref(),
        body.currency.as_deref(),
        Utc::now(),
    )?;
    let source = match (body.layout_id, body.layout) {
        (Some(id), None) => LayoutSource::Stored(id),
        (None, Some(layout)) => LayoutSource::Inline(DomainLayout::parse(layout.into())?),
        _ => {
            return Err(crate::domain::Error::new(
                Code::InvalidLayoutChoice,
                "Give exactly one of layout_id or layout.",
            ));
        }
    };
    let show = crate::service::shows::create(&state.db, &state.cache, &draft, source).await?;
    Ok(show.into())
}
