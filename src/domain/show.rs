//! Shows (a screening, a bus trip, an appointment session, an event) and their seats.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::booking::{SHOW_KINDS, SeatStatus};
use super::error::{Code, Error, Result};
use super::layout::{Layout, clean_name};
use super::limits::MAX_PRICE_CENTS;

/// A show with its live seat count.
#[derive(Debug, Clone)]
pub struct Show {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub layout_id: Option<i64>,
    pub total_seats: i32,
    pub available_seats: i64,
    /// Category -> price in cents.
    pub prices: BTreeMap<String, i64>,
    pub created_at: DateTime<Utc>,
    /// Seconds until the earliest live hold on the show lapses (and the count changes
    /// by itself), if there is one.
    pub next_lapse_secs: Option<f64>,
}

/// One seat on a show's seat map.
#[derive(Debug, Clone)]
pub struct Seat {
    pub id: i32,
    pub label: String,
    pub section: String,
    pub row: String,
    pub number: i32,
    pub category: String,
    pub price_cents: i64,
    pub x: f32,
    pub y: f32,
    pub status: SeatStatus,
    /// `wheelchair`, `aisle` (see [`crate::domain::layout::SeatPlan::features`]).
    pub features: Vec<String>,
}

/// Show fields an admin gives, before the layout is known.
#[derive(Debug, Clone)]
pub struct ShowDraft {
    pub name: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub prices: BTreeMap<String, i64>,
}

impl ShowDraft {
    /// Checks the fields that do not depend on the layout.
    pub fn parse(
        name: &str,
        kind: &str,
        starts_at: DateTime<Utc>,
        prices: BTreeMap<String, i64>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let name = clean_name(name, "show name")?.to_owned();
        if !SHOW_KINDS.contains(&kind) {
            return Err(Error::new(
                Code::InvalidKind,
                format!("kind must be one of {}.", SHOW_KINDS.join(", ")),
            ));
        }
        if starts_at <= now {
            return Err(Error::new(
                Code::StartsInPast,
                "A new show must start in the future.",
            ));
        }
        if let Some((category, cents)) = prices
            .iter()
            .find(|(_, c)| !(0..=MAX_PRICE_CENTS).contains(*c))
        {
            return Err(Error::new(
                Code::InvalidPrice,
                format!("Price {cents} for {category:?} must be 0 to {MAX_PRICE_CENTS} cents."),
            ));
        }
        Ok(Self {
            name,
            kind: kind.to_owned(),
            starts_at,
            prices,
        })
    }

    /// Checks that the prices name exactly the layout's categories.
    pub fn check_prices(&self, layout: &Layout) -> Result<()> {
        let categories = layout.categories();
        let missing: Vec<&str> = categories
            .iter()
            .copied()
            .filter(|c| !self.prices.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(Error::new(
                Code::MissingPrice,
                format!("No price for categories: {}.", missing.join(", ")),
            ));
        }
        let unknown: Vec<&str> = self
            .prices
            .keys()
            .map(String::as_str)
            .filter(|c| !categories.contains(c))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::new(
                Code::UnknownCategory,
                format!("The layout has no categories: {}.", unknown.join(", ")),
            ));
        }
        Ok(())
    }
}
