//! The HTTP API (poem-openapi): one struct per resource, combined by [`api`], which both
//! the server and the spec exporter use.

pub mod admin;
pub mod bookings;
pub mod cached;
pub mod error;
pub mod events;
pub mod middleware;
pub mod probes;
pub mod routes;
pub mod seat_json;
pub mod security;
pub mod show_views;
pub mod shows;
pub mod state;
pub mod streams;
pub mod text;
pub mod users;

use poem_openapi::{OpenApiService, Tags};

use crate::domain::Code;

/// Tags grouping the operations in the spec and Swagger UI.
#[derive(Tags)]
pub enum Tag {
    /// Accounts and access tokens.
    Auth,
    /// Seat layouts and show creation (admin role).
    Admin,
    /// Shows and seat maps (public).
    Shows,
    /// Holding, confirming and cancelling seats (signed-in users).
    Bookings,
    /// Probes.
    Service,
}

/// Path prefix of every API operation.
pub const PREFIX: &str = "/api/v1";

pub type Api = (
    users::UsersApi,
    admin::AdminApi,
    shows::ShowsApi,
    events::EventsApi,
    bookings::BookingsApi,
    probes::ServiceApi,
);

/// The API and its OpenAPI description.
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(
        (
            users::UsersApi,
            admin::AdminApi,
            shows::ShowsApi,
            events::EventsApi,
            bookings::BookingsApi,
            probes::ServiceApi,
        ),
        "Tessera",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Seat-level reservations: layouts, shows, live seat maps, holds that expire, \
         confirm and cancel. Errors are application/problem+json with a stable `code`.",
    )
    .server(PREFIX)
}

/// The OpenAPI document as pretty JSON (what `openapi/openapi.json` holds).
pub fn spec_json() -> String {
    let mut spec: serde_json::Value =
        serde_json::from_str(&service().spec()).expect("poem-openapi writes valid JSON");
    for name in CLOSED_SCHEMAS {
        if let Some(schema) = spec["components"]["schemas"].get_mut(name) {
            schema["additionalProperties"] = false.into();
        }
    }
    document_error_codes(&mut spec);
    let mut json = serde_json::to_string_pretty(&spec).expect("a JSON value serializes");
    json.push('\n');
    json
}

/// Writes into each error response of the spec the codes that operation answers with at
/// that status, and what each means (from [`Code`]): the response types declare them, once.
fn document_error_codes(spec: &mut serde_json::Value) {
    let Some(paths) = spec["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let Some(codes) = operation["operationId"].as_str().and_then(error_codes) else {
                continue;
            };
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, codes) in codes {
                if let Some(response) = responses.get_mut(&status.to_string()) {
                    let lines: Vec<String> = codes
                        .iter()
                        .map(|code| format!("- `{}`: {}", code.as_str(), code.description()))
                        .collect();
                    response["description"] = lines.join("\n").into();
                }
            }
        }
    }
}

/// The error codes of each operation, by status (its response type's `CODES`).
pub fn error_codes(operation_id: &str) -> Option<&'static [(u16, &'static [Code])]> {
    Some(match operation_id {
        "register" => users::RegisterResponse::CODES,
        "login" => users::LoginResponse::CODES,
        "logout_everywhere" => users::LogoutResponse::CODES,
        "create_layout" => admin::CreateLayoutResponse::CODES,
        "list_layouts" => admin::ListLayoutsResponse::CODES,
        "get_layout" => admin::GetLayoutResponse::CODES,
        "create_show" => admin::CreateShowResponse::CODES,
        "block_seats" => admin::BlockSeatsResponse::CODES,
        "patch_show" => admin::PatchShowResponse::CODES,
        "cancel_show" => admin::CancelShowResponse::CODES,
        "show_report" => admin::ShowReportResponse::CODES,
        "show_bookings" => admin::ShowBookingsResponse::CODES,
        "check_in" => admin::CheckInResponse::CODES,
        "unblock_seats" => admin::UnblockSeatsResponse::CODES,
        "list_shows" => shows::ListShowsResponse::CODES,
        "get_show" => shows::GetShowResponse::CODES,
        "get_seat_map" => shows::SeatMapResponse::CODES,
        "stream_seat_events" => events::SeatEventsResponse::CODES,
        "create_booking" => bookings::HoldResponse::CODES,
        "list_bookings" => bookings::ListBookingsResponse::CODES,
        "get_booking" => bookings::GetBookingResponse::CODES,
        "confirm_booking" | "cancel_booking" => bookings::TransitionResponse::CODES,
        _ => return None,
    })
}

/// Request bodies declared `deny_unknown_fields` (a misspelt field is refused, not
/// ignored): the spec says so with `additionalProperties: false`, which poem-openapi does
/// not write itself.
const CLOSED_SCHEMAS: [&str; 13] = [
    "CheckInRequest",
    "Credentials",
    "LayoutPlacement",
    "LayoutRow",
    "LayoutSection",
    "LayoutSlots",
    "LayoutStage",
    "NewBooking",
    "NewLayout",
    "NewSeatBlock",
    "NewShow",
    "SeatRelease",
    "ShowUpdate",
];

/// An operation path of the API, as the spec writes it (`/api/v1/shows/{id}/seats`), with
/// the methods it takes.
pub struct RouteTemplate {
    pub path: String,
    /// For the `Allow` header: `GET, POST`.
    pub methods: String,
    segments: Vec<String>,
}

/// The API path template that `path` matches, if any (from the spec, built once).
pub fn route_template(path: &str) -> Option<&'static RouteTemplate> {
    static TEMPLATES: std::sync::OnceLock<Vec<RouteTemplate>> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(&spec_json()).unwrap_or_default();
        let Some(paths) = spec["paths"].as_object() else {
            return Vec::new();
        };
        paths
            .iter()
            .map(|(template, item)| {
                let methods: Vec<String> = item
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                RouteTemplate {
                    path: format!("{PREFIX}{template}"),
                    methods: methods.join(", "),
                    segments: template.split('/').map(str::to_owned).collect(),
                }
            })
            .collect()
    });
    let segments: Vec<&str> = path.strip_prefix(PREFIX)?.split('/').collect();
    templates.iter().find(|template| {
        template.segments.len() == segments.len()
            && template
                .segments
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    })
}

/// Splits a `limit + 1` query result into one page and the cursor of the next.
pub fn paginate<T>(
    mut items: Vec<T>,
    limit: i64,
    cursor_of: impl Fn(&T) -> crate::domain::page::Cursor,
) -> (Vec<T>, Option<String>) {
    let limit = limit as usize;
    if items.len() > limit {
        items.truncate(limit);
        let next = items.last().map(|last| cursor_of(last).encode());
        (items, next)
    } else {
        (items, None)
    }
}
