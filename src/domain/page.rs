//! Keyset pagination cursors: opaque to clients, a (timestamp, id) position to the store.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::error::{Code, Error, Result};
use super::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.at.timestamp_micros(), self.id))
    }

    pub fn decode(value: &str) -> Result<Self> {
        let invalid = || {
            Error::new(
                Code::InvalidCursor,
                "cursor must be a next_cursor value returned by this service.",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (micros, id) = text.split_once('|').ok_or_else(invalid)?;
        let at = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid)?;
        if id.is_empty() || id.len() > 64 {
            return Err(invalid());
        }
        Ok(Self {
            at,
            id: id.to_owned(),
        })
    }
}

/// Checks a requested page size: 1 to [`MAX_PAGE_SIZE`], default [`DEFAULT_PAGE_SIZE`].
pub fn page_size(limit: Option<i64>) -> Result<i64> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE as i64),
        Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => Ok(n),
        Some(n) => Err(Error::new(
            Code::InvalidLimit,
            format!("limit must be 1 to {MAX_PAGE_SIZE}, not {n}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: "42".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "!!", "bm9waXBl", "MTIzfA"] {
            assert_eq!(
                Cursor::decode(bad).unwrap_err().code.as_str(),
                "invalid_cursor",
                "{bad}"
            );
        }
    }

    #[test]
    fn page_size_bounds() {
        assert_eq!(page_size(None).unwrap(), 50);
        assert_eq!(page_size(Some(200)).unwrap(), 200);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(201)).is_err());
        assert!(page_size(Some(-1)).is_err());
    }
}
