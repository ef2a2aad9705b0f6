//! Shows (a screening, a bus trip, an appointment session, an event) and their seats.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::booking::{SHOW_KINDS, SeatStatus};
use super::error::{Code, Error, Result};
use super::layout::{Layout, SlotPlan, clean_name};
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
    /// When an admin cancelled the show; it takes no holds since.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The venue's time zone, in which people read the show's times.
    pub time_zone: Tz,
    /// ISO 4217 code of the show's prices.
    pub currency: String,
}

/// The currency of a show whose admin names none.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// A show's currency: a current ISO 4217 code (`EUR`, `GBP`, `CHF`), returned as listed.
pub fn parse_currency(code: &str) -> Result<&str> {
    match iso_currency::Currency::from_code(code) {
        Some(_) => Ok(code),
        None => Err(Error::new(
            Code::InvalidCurrency,
            format!("{code:?} is not an ISO 4217 currency code; give one such as EUR or GBP."),
        )),
    }
}

/// The time zone of a venue: an IANA name (`Europe/Lisbon`, `UTC`). Times stay UTC in the
/// API; the zone says how people at the venue read them (and places appointment slots).
pub fn parse_time_zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::new(
            Code::InvalidTimeZone,
            format!("{name:?} is not a time zone; give an IANA name such as Europe/Lisbon."),
        )
    })
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
    /// For an appointment slot: when it starts and ends.
    pub slot: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// When an appointment slot starts and ends: its local time on the show's day (the date
/// of `show_starts_at` in the venue's zone). A local time that a clock change skips is
/// read an hour later; one it repeats, as its first occurrence.
pub fn slot_times(
    show_starts_at: DateTime<Utc>,
    zone: Tz,
    slot: SlotPlan,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = show_starts_at.with_timezone(&zone).date_naive();
    let local = day.and_time(chrono::NaiveTime::MIN)
        + chrono::Duration::minutes(i64::from(slot.start_minute));
    let start = local
        .and_local_timezone(zone)
        .earliest()
        .or_else(|| {
            (local + chrono::Duration::hours(1))
                .and_local_timezone(zone)
                .earliest()
        })
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc));
    (
        start,
        start + chrono::Duration::minutes(i64::from(slot.minutes)),
    )
}

/// Show fields an admin gives, before the layout is known.
#[derive(Debug, Clone)]
pub struct ShowDraft {
    pub name: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub prices: BTreeMap<String, i64>,
    pub time_zone: Tz,
    pub currency: String,
}

impl ShowDraft {
    /// Checks the fields that do not depend on the layout.
    pub fn parse(
        name: &str,
        kind: &str,
        starts_at: DateTime<Utc>,
        prices: BTreeMap<String, i64>,
        time_zone: Option<&str>,
        currency: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let name = clean_name(name, "show name")?.to_owned();
        let currency = currency
            .map_or(Ok(DEFAULT_CURRENCY), parse_currency)?
            .to_owned();
        let time_zone = time_zone
            .map(parse_time_zone)
            .transpose()?
            .unwrap_or(Tz::UTC);
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
        check_price_values(&prices)?;
        Ok(Self {
            name,
            kind: kind.to_owned(),
            starts_at,
            prices,
            time_zone,
            currency,
        })
    }

    /// Checks that the prices name exactly the layout's categories.
    pub fn check_prices(&self, layout: &Layout) -> Result<()> {
        check_price_categories(&self.prices, &layout.categories())
    }
}

/// Prices name exactly the categories a show's seats have: one each, no others.
pub fn check_price_categories(
    prices: &BTreeMap<String, i64>,
    categories: &BTreeSet<&str>,
) -> Result<()> {
    let missing: Vec<&str> = categories
        .iter()
        .copied()
        .filter(|c| !prices.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::new(
            Code::MissingPrice,
            format!("No price for categories: {}.", missing.join(", ")),
        ));
    }
    let unknown: Vec<&str> = prices
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

/// Prices are 0 to [`MAX_PRICE_CENTS`] cents.
fn check_price_values(prices: &BTreeMap<String, i64>) -> Result<()> {
    match prices
        .iter()
        .find(|(_, c)| !(0..=MAX_PRICE_CENTS).contains(*c))
    {
        Some((category, cents)) => Err(Error::new(
            Code::InvalidPrice,
            format!("Price {cents} for {category:?} must be 0 to {MAX_PRICE_CENTS} cents."),
        )),
        None => Ok(()),
    }
}

/// What an admin changes of a show: any of its name, time and prices (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowPatch {
    pub name: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub time_zone: Option<Tz>,
    /// New prices for every category; seats already held or sold keep what they cost.
    pub prices: Option<BTreeMap<String, i64>>,
}

impl ShowPatch {
    pub fn parse(
        name: Option<&str>,
        starts_at: Option<DateTime<Utc>>,
        prices: Option<BTreeMap<String, i64>>,
        time_zone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        if name.is_none() && starts_at.is_none() && prices.is_none() && time_zone.is_none() {
            return Err(Error::new(
                Code::EmptyChange,
                "Give at least one of name, starts_at, time_zone or prices.",
            ));
        }
        let time_zone = time_zone.map(parse_time_zone).transpose()?;
        let name = name
            .map(|n| clean_name(n, "show name").map(str::to_owned))
            .transpose()?;
        if starts_at.is_some_and(|t| t <= now) {
            return Err(Error::new(
                Code::StartsInPast,
                "A show can only be moved to a time in the future.",
            ));
        }
        if let Some(prices) = &prices {
            check_price_values(prices)?;
        }
        Ok(Self {
            name,
            starts_at,
            time_zone,
            prices,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_names_something_valid_to_change() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        let code = |name: Option<&str>, at, prices: Option<Vec<(&str, i64)>>| {
            let prices = prices.map(|p| p.into_iter().map(|(c, v)| (c.to_owned(), v)).collect());
            ShowPatch::parse(name, at, prices, None, now)
                .err()
                .map(|e| e.code)
        };
        assert_eq!(code(None, None, None), Some(Code::EmptyChange));
        assert_eq!(code(Some(" "), None, None), Some(Code::InvalidName));
        assert_eq!(code(None, Some(now), None), Some(Code::StartsInPast));
        assert_eq!(
            code(None, None, Some(vec![("standard", -1)])),
            Some(Code::InvalidPrice)
        );
        assert_eq!(code(Some("Late show"), Some(later), None), None);
        let patch = ShowPatch::parse(None, None, Some(BTreeMap::new()), None, now).unwrap();
        // Which categories the prices must name is the show's business (the store checks).
        assert_eq!(patch.prices, Some(BTreeMap::new()));
    }
}
