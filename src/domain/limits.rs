//! Size limits on everything a client can send. They keep one request's cost bounded
//! (a layout asking for 2^31 seats is refused before anything is allocated) and are
//! documented in the README and the OpenAPI descriptions.

/// Longest name of a layout, show or section, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest row label ("A", "AA", "12"), in characters.
pub const MAX_ROW_LABEL_CHARS: usize = 8;
/// Longest category name, in characters.
pub const MAX_CATEGORY_CHARS: usize = 32;
/// Sections in one layout.
pub const MAX_SECTIONS: usize = 50;
/// Rows in one layout, across all sections.
pub const MAX_ROWS: usize = 1_000;
/// Seats in one row.
pub const MAX_SEATS_PER_ROW: i32 = 500;
/// Seats in one layout and so in one show.
pub const MAX_SEATS_PER_LAYOUT: usize = 50_000;
/// Seats in one hold.
pub const MAX_SEATS_PER_HOLD: usize = 10;
/// Seats one block or unblock request may name.
pub const MAX_SEATS_PER_BLOCK: usize = 1000;
/// Highest price of one seat, in cents.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Password length bounds, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest Idempotency-Key header value.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// Largest request body, in bytes; larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Page size bounds for list endpoints.
pub const MAX_PAGE_SIZE: u32 = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 50;
