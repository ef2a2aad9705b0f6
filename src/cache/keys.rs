//! Cache keys: the one place that names cached things.

/// Prefix of every cached show list.
pub const LIST_PREFIX: &str = "shows:list:";

/// One show (with its live seat count).
pub fn show(show_id: i64) -> String {
    format!("show:{show_id}")
}

/// A show's seat map.
pub fn seat_map(show_id: i64) -> String {
    format!("seats:{show_id}")
}

/// A page of the show list; `query` is the normalised filter and cursor.
pub fn show_list(query: &str) -> String {
    format!("{LIST_PREFIX}{query}")
}

/// What a key holds, as a metric label: `list`, `show` or `seat_map`.
pub fn kind(key: &str) -> &'static str {
    if key.starts_with(LIST_PREFIX) {
        "list"
    } else if key.starts_with("seats:") {
        "seat_map"
    } else {
        "show"
    }
}
