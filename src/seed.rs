//! `tessera seed FILE`: layouts and shows from a JSON file. Every entry has a `key`;
//! entries whose key exists already are left alone, so seeding twice changes nothing.
//!
//! ```json
//! {
//!   "layouts": [{ "key": "hall-1", "name": "Hall 1",
//!                 "sections": [{ "name": "Stalls", "category": "standard",
//!                                "rows": [{ "label": "A", "seats": 12 }] }] }],
//!   "shows": [{ "key": "hall-1-premiere", "name": "Premiere", "kind": "movie",
//!               "layout": "hall-1", "days_from_now": 3, "time": "19:30",
//!               "prices": { "standard": 1200 } }]
//! }
//! ```
//! A show's start is either `starts_at` (RFC 3339) or `days_from_now` + `time`
//! (HH:MM, UTC), so sample data stays in the future.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Days, NaiveTime, Utc};
use serde::Deserialize;

use crate::domain::layout::{Layout, LayoutSpec, SectionSpec, Stage};
use crate::domain::show::{ShowDraft, parse_time_zone};
use crate::store::Db;
use crate::store::shows::LayoutSource;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    pub layouts: Vec<SeedLayout>,
    #[serde(default)]
    pub shows: Vec<SeedShow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLayout {
    pub key: String,
    pub name: String,
    pub sections: Vec<SectionSpec>,
    pub stage: Option<Stage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedShow {
    pub key: String,
    pub name: String,
    pub kind: String,
    /// Key of a layout in this file (or seeded earlier).
    pub layout: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub days_from_now: Option<u32>,
    /// Local time at the venue (`time_zone`).
    pub time: Option<String>,
    /// The venue's IANA time zone (default UTC).
    pub time_zone: Option<String>,
    /// ISO 4217 code of the prices (default EUR).
    pub currency: Option<String>,
    pub prices: BTreeMap<String, i64>,
}

/// What a seed run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub layouts: usize,
    pub shows: usize,
}

/// The sample seed files shipped in `seeds/`, compiled in.
pub const SAMPLES: [(&str, &str); 4] = [
    ("cinema.json", include_str!("../seeds/cinema.json")),
    ("coach.json", include_str!("../seeds/coach.json")),
    ("clinic.json", include_str!("../seeds/clinic.json")),
    ("arena.json", include_str!("../seeds/arena.json")),
];

/// Loads the samples into a database that has no layouts yet (the embedded default's
/// first start), so a newcomer has shows to browse.
pub async fn load_samples_if_empty(db: &Db) -> anyhow::Result<bool> {
    let client = db.client().await?;
    let empty = client
        .opt("SELECT 1 FROM layouts LIMIT 1", &[])
        .await?
        .is_none();
    drop(client);
    if !empty {
        return Ok(false);
    }
    for (name, text) in SAMPLES {
        let file: SeedFile =
            serde_json::from_str(text).with_context(|| format!("sample {name}"))?;
        seed(db, file)
            .await
            .with_context(|| format!("sample {name}"))?;
    }
    Ok(true)
}

/// Loads a seed file into the database.
pub async fn seed_file(db: &Db, path: &Path) -> anyhow::Result<SeedReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: SeedFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid seed file", path.display()))?;
    seed(db, file).await
}

pub async fn seed(db: &Db, file: SeedFile) -> anyhow::Result<SeedReport> {
    let now = Utc::now();
    let mut layout_ids: HashMap<String, i64> = HashMap::new();
    let mut report = SeedReport::default();
    for entry in file.layouts {
        let spec = LayoutSpec {
            name: entry.name,
            sections: entry.sections,
            stage: entry.stage,
        };
        let layout = Layout::parse(spec)
            .map_err(|e| anyhow::anyhow!("layout {:?}: {}", entry.key, e.detail))?;
        let record = db
            .create_layout(&layout, Some(&entry.key))
            .await
            .map_err(|e| anyhow::anyhow!("layout {:?}: {e}", entry.key))?;
        layout_ids.insert(entry.key, record.id);
        report.layouts += 1;
    }
    for show in file.shows {
        let context = || format!("show {:?}", show.key);
        let zone = match &show.time_zone {
            Some(name) => {
                parse_time_zone(name).map_err(|e| anyhow::anyhow!("{}: {}", context(), e.detail))?
            }
            None => chrono_tz::Tz::UTC,
        };
        let starts_at = match (show.starts_at, show.days_from_now, &show.time) {
            (Some(at), None, None) => at,
            (None, Some(days), Some(time)) => {
                let time = NaiveTime::parse_from_str(time, "%H:%M")
                    .with_context(|| format!("{}: time must be HH:MM", context()))?;
                let date = now
                    .with_timezone(&zone)
                    .date_naive()
                    .checked_add_days(Days::new(days.into()))
                    .with_context(context)?;
                // The earlier of two readings when clocks go back; a time that does not
                // exist (clocks going forward) is an error in the file.
                date.and_time(time)
                    .and_local_timezone(zone)
                    .earliest()
                    .with_context(|| {
                        format!("{}: {time} does not exist on {date} in {zone}", context())
                    })?
                    .with_timezone(&Utc)
            }
            _ => bail!("{}: give starts_at, or days_from_now and time", context()),
        };
        let Some(&layout_id) = layout_ids.get(&show.layout) else {
            bail!(
                "{}: no layout with key {:?} in this file",
                context(),
                show.layout
            );
        };
        let draft = ShowDraft::parse(
            &show.name,
            &show.kind,
            starts_at,
            show.prices,
            show.time_zone.as_deref(),
            show.currency.as_deref(),
            now,
        )
        .map_err(|e| anyhow::anyhow!("{}: {}", context(), e.detail))?;
        db.create_show(&draft, LayoutSource::Stored(layout_id), Some(&show.key))
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", context()))?;
        report.shows += 1;
    }
    Ok(report)
}
