//! Seat layouts: validating what an admin describes and turning it into numbered,
//! labelled, positioned seats.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::error::{Code, Error, Result};
use super::limits::*;

/// A layout as an admin describes it (also the stored definition and the seed-file shape).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayoutSpec {
    pub name: String,
    pub sections: Vec<SectionSpec>,
    /// The focal point ("Stage", "Screen", "Front of coach"), in the drawing's units:
    /// "best available" ranks seats by their distance to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
}

/// A layout's focal point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub x: f32,
    pub y: f32,
    pub label: String,
}

/// Where a section sits in the drawing, turned by `rotation` degrees (clockwise) about
/// its front row's middle, which lands on (`x`, `y`): an arena's bowl of sections around
/// a stage.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub x: f32,
    pub y: f32,
    #[serde(default)]
    pub rotation: f32,
}

/// Largest coordinate of a placement or stage, and largest curve, in seat widths.
const MAX_COORDINATE: f32 = 100_000.0;
const MAX_CURVE: f32 = 100.0;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub name: String,
    /// Category of every row of the section that does not name its own.
    pub category: String,
    /// Rows of seats, front first. A section has rows or `slots`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowSpec>,
    /// Appointment slots instead of rows: each slot is one bookable place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<SlotSpec>,
    /// A standing area of this many places instead of rows, sold by quantity only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<i32>,
    /// Where the section sits; without it sections stack front to back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Placement>,
}

/// Places of a standing area per seat-row counter. A standing area is sold by quantity,
/// and every hold moves the counter of the seat row its places are in: one counter for a
/// whole floor would be one hot row that every hold of a flash sale queues on and
/// conflicts over (the row counters exist to avoid exactly that). Blocks of this size
/// spread a 5,000-place floor over 250 counters, and holds pick blocks at random.
pub const STANDING_BLOCK: i32 = 20;

/// The feature that marks a place in a standing area (never listed as a seat).
pub const STANDING: &str = "standing";

/// Appointment slots of `minutes` each, from `from` until `to` (`HH:MM`, local times on
/// the show's day in its time zone): a practitioner's session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    pub from: String,
    pub to: String,
    pub minutes: i32,
}

/// Shortest and longest appointment slot, in minutes.
const SLOT_MINUTES: std::ops::RangeInclusive<i32> = 5..=480;

impl SlotSpec {
    /// The slots' start minutes (after midnight) and their length, or what is wrong.
    fn starts(&self, section: &str) -> Result<(Vec<i32>, i32)> {
        let bad =
            |what: String| Error::new(Code::InvalidSlots, format!("Section {section:?}: {what}."));
        let minute = |time: &str| {
            chrono::NaiveTime::parse_from_str(time, "%H:%M")
                .map(|t| {
                    (t.signed_duration_since(chrono::NaiveTime::MIN)
                        .num_minutes()) as i32
                })
                .map_err(|_| bad(format!("{time:?} is not a time of day (HH:MM)")))
        };
        let (from, to) = (minute(&self.from)?, minute(&self.to)?);
        if !SLOT_MINUTES.contains(&self.minutes) {
            return Err(bad(format!(
                "slots last {} to {} minutes",
                SLOT_MINUTES.start(),
                SLOT_MINUTES.end()
            )));
        }
        if to - from < self.minutes {
            return Err(bad(format!(
                "from {} to {} leaves no slot of {} minutes",
                self.from, self.to, self.minutes
            )));
        }
        let starts: Vec<i32> = (from..=to - self.minutes)
            .step_by(self.minutes as usize)
            .collect();
        if starts.len() > MAX_SEATS_PER_ROW as usize {
            return Err(bad(format!("at most {MAX_SEATS_PER_ROW} slots")));
        }
        Ok((starts, self.minutes))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    pub label: String,
    /// The row's seat numbers are 1..=seats (those in `missing` do not exist).
    pub seats: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// An aisle one seat wide after each of these seat numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps_after: Vec<i32>,
    /// Numbers that have no seat (a pillar, a removed seat): their place stays empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<i32>,
    /// Wheelchair spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessible: Vec<i32>,
    /// Which end seat 1 is at, seen from the stage (default left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<Numbering>,
    /// How far the row's ends come forward (towards the stage), in row depths: the row
    /// bends as a parabola through its middle. Negative bends them back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<f32>,
}

/// The direction seat numbers run in a row.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    #[default]
    LeftToRight,
    RightToLeft,
}

impl RowSpec {
    /// A row of `seats` seats numbered left to right, nothing else.
    pub fn plain(label: &str, seats: i32) -> Self {
        Self {
            label: label.to_owned(),
            seats,
            category: None,
            gaps_after: Vec::new(),
            missing: Vec::new(),
            accessible: Vec::new(),
            numbering: None,
            curve: None,
        }
    }

    /// Seats that exist (numbers minus the missing ones).
    fn real_seats(&self) -> i32 {
        self.seats - self.missing.len() as i32
    }

    /// The row's width in seat places: every number (missing ones keep their place) and
    /// every aisle.
    fn width(&self) -> i32 {
        self.seats + self.gaps_after.len() as i32
    }

    /// Where number `n` sits, in seat places from the row's left end.
    fn place(&self, n: i32) -> i32 {
        let from_first = n - 1 + self.gaps_after.iter().filter(|&&g| g < n).count() as i32;
        match self.numbering.unwrap_or_default() {
            Numbering::LeftToRight => from_first,
            Numbering::RightToLeft => self.width() - 1 - from_first,
        }
    }

    /// How far the seat at `place` sits forward of the row's line (its `curve`): a parabola
    /// through the row's middle, `curve` at its ends.
    fn bend(&self, place: i32) -> f32 {
        let Some(curve) = self.curve else { return 0.0 };
        let half = ((self.width() - 1) as f32 / 2.0).max(1.0);
        let from_middle = (place as f32 - (self.width() - 1) as f32 / 2.0) / half;
        curve * from_middle * from_middle
    }

    /// Checks that the lists name seat numbers of the row, each once (aisles between two
    /// numbers, wheelchair spaces on seats that exist).
    fn check_numbers(&self) -> Result<()> {
        let bad = |what: &str| {
            Error::new(
                Code::InvalidSeatNumbers,
                format!("Row {:?}: {what}.", self.label),
            )
        };
        let distinct = |list: &[i32]| list.iter().collect::<HashSet<_>>().len() == list.len();
        if !self.gaps_after.iter().all(|g| (1..self.seats).contains(g))
            || !distinct(&self.gaps_after)
        {
            return Err(bad(
                "gaps_after must name seat numbers before the row's last, each once",
            ));
        }
        if !self.missing.iter().all(|m| (1..=self.seats).contains(m)) || !distinct(&self.missing) {
            return Err(bad("missing must name seat numbers of the row, each once"));
        }
        if self.real_seats() < 1 {
            return Err(bad("a row needs at least one seat that is not missing"));
        }
        if !self
            .accessible
            .iter()
            .all(|a| (1..=self.seats).contains(a) && !self.missing.contains(a))
            || !distinct(&self.accessible)
        {
            return Err(bad(
                "accessible must name seats of the row that exist, each once",
            ));
        }
        Ok(())
    }
}

/// One seat of a layout, ready to be materialised for a show.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatPlan {
    /// 1-based, in layout order (sections, then rows, then left to right).
    pub seat_id: i32,
    pub label: String,
    pub section: String,
    /// 0-based index of the row across the whole layout; lower is closer to the front.
    pub row_no: i32,
    pub row_label: String,
    pub number: i32,
    pub category: String,
    pub x: f32,
    pub y: f32,
    /// Seat places from the row's left end (aisles and missing numbers count): seats
    /// are side by side when their places are consecutive, wherever the row is drawn.
    pub place: i32,
    /// What a buyer should know of the seat: `wheelchair` (a wheelchair space), `aisle`
    /// (next to an aisle).
    pub features: Vec<&'static str>,
    /// For an appointment slot: when it starts (minutes after midnight on the show's day,
    /// in its time zone) and how long it lasts.
    pub slot: Option<SlotPlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotPlan {
    pub start_minute: i32,
    pub minutes: i32,
}

/// A wheelchair space.
pub const WHEELCHAIR: &str = "wheelchair";
/// A seat next to an aisle.
pub const AISLE: &str = "aisle";
/// A seat by a window: either end of a row, in a vehicle.
pub const WINDOW: &str = "window";

/// A validated layout: the spec it came from plus its seats.
#[derive(Debug, Clone)]
pub struct Layout {
    pub spec: LayoutSpec,
    pub seats: Vec<SeatPlan>,
    /// Every seat row (a row, a section of slots, a block of a standing area), indexed
    /// by `row_no`.
    pub rows: Vec<RowPlan>,
    /// The focal point, in the seats' coordinates.
    pub stage: Option<Stage>,
}

/// One seat row of a layout: what its counter counts.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPlan {
    pub section: String,
    pub category: String,
    /// Seats that exist in it.
    pub size: i32,
    /// A block of a standing area.
    pub standing: bool,
}

impl Layout {
    /// Validates a layout description. Every limit is checked before anything is
    /// allocated in proportion to the requested sizes.
    pub fn parse(spec: LayoutSpec) -> Result<Self> {
        let name = clean_name(&spec.name, "layout name")?;
        if spec.sections.is_empty() {
            return Err(Error::new(
                Code::EmptyLayout,
                "A layout needs at least one section.",
            ));
        }
        if spec.sections.len() > MAX_SECTIONS {
            return Err(Error::new(
                Code::TooManySections,
                format!("A layout has at most {MAX_SECTIONS} sections."),
            ));
        }
        let mut row_count = 0usize;
        let mut seat_count = 0usize;
        let mut widest = 0i32;
        let mut labels = HashSet::new();
        let mut section_names = HashSet::new();
        if let Some(stage) = &spec.stage {
            clean_name(&stage.label, "stage label")?;
            check_point(stage.x, stage.y, "The stage")?;
        }
        for section in &spec.sections {
            let section_name = clean_name(&section.name, "section name")?;
            if let Some(p) = &section.position {
                check_point(p.x, p.y, &format!("Section {section_name:?}"))?;
                if !p.rotation.is_finite() {
                    return Err(Error::new(
                        Code::InvalidPlacement,
                        format!("Section {section_name:?}: rotation must be a number of degrees."),
                    ));
                }
            }
            if let Some(row) = section.rows.iter().find(|r| {
                r.curve
                    .is_some_and(|c| !c.is_finite() || c.abs() > MAX_CURVE)
            }) {
                return Err(Error::new(
                    Code::InvalidPlacement,
                    format!(
                        "Row {:?}: curve must be between -{MAX_CURVE} and {MAX_CURVE}.",
                        row.label
                    ),
                ));
            }
            if !section_names.insert(section_name) {
                return Err(Error::new(
                    Code::DuplicateSection,
                    format!("Section {:?} appears twice.", section.name),
                ));
            }
            check_category(&section.category)?;
            let kinds = usize::from(!section.rows.is_empty())
                + usize::from(section.slots.is_some())
                + usize::from(section.standing.is_some());
            if kinds > 1 {
                return Err(Error::new(
                    Code::InvalidSectionKind,
                    format!(
                        "Section {:?} has more than one of rows, slots and standing; give one.",
                        section.name
                    ),
                ));
            }
            if let Some(places) = section.standing {
                if !(1..=MAX_SEATS_PER_LAYOUT as i32).contains(&places) {
                    return Err(Error::new(
                        Code::InvalidSectionKind,
                        format!(
                            "Section {:?}: a standing area has 1 to {MAX_SEATS_PER_LAYOUT} places.",
                            section.name
                        ),
                    ));
                }
                seat_count += places as usize;
                continue;
            }
            if let Some(slots) = &section.slots {
                let (starts, _) = slots.starts(section_name)?;
                widest = widest.max(starts.len() as i32);
                seat_count += starts.len();
                row_count += 1;
                continue;
            }
            if section.rows.is_empty() {
                return Err(Error::new(
                    Code::EmptySection,
                    format!(
                        "Section {:?} has no rows (nor slots, nor standing).",
                        section.name
                    ),
                ));
            }
            row_count += section.rows.len();
            if row_count > MAX_ROWS {
                return Err(Error::new(
                    Code::TooManyRows,
                    format!("A layout has at most {MAX_ROWS} rows."),
                ));
            }
            for row in &section.rows {
                check_row_label(&row.label)?;
                if !labels.insert(row.label.as_str()) {
                    return Err(Error::new(
                        Code::DuplicateRowLabel,
                        format!(
                            "Row label {:?} is used twice; seat labels must be unique.",
                            row.label
                        ),
                    ));
                }
                if !(1..=MAX_SEATS_PER_ROW).contains(&row.seats) {
                    return Err(Error::new(
                        Code::InvalidRowSize,
                        format!(
                            "Row {:?} has {} seats; a row has 1 to {MAX_SEATS_PER_ROW}.",
                            row.label, row.seats
                        ),
                    ));
                }
                if let Some(category) = &row.category {
                    check_category(category)?;
                }
                row.check_numbers()?;
                widest = widest.max(row.width());
                seat_count += row.real_seats() as usize;
            }
        }
        if seat_count > MAX_SEATS_PER_LAYOUT {
            return Err(Error::new(
                Code::TooManySeats,
                format!(
                    "A layout has at most {MAX_SEATS_PER_LAYOUT} seats, this one {seat_count}."
                ),
            ));
        }

        // Everything is within limits: materialise.
        let mut seats = Vec::with_capacity(seat_count);
        let mut rows: Vec<RowPlan> = Vec::with_capacity(row_count);
        let mut y = 0f32;
        // Where each section's seats start, and its stacked top, for placing it after.
        let mut spans: Vec<(usize, f32)> = Vec::with_capacity(spec.sections.len());
        for section in &spec.sections {
            spans.push((seats.len(), y));
            let name = section.name.trim();
            if let Some(places) = section.standing {
                // Places are not drawn one by one (the seat map gives the area's outline
                // and places left), but they fill the area's ground: a grid as wide as
                // the widest row (square at least), centred like a row, so the area takes
                // its room in the drawing and turns and moves with its section. A wider
                // area starts at the left edge (plain layouts keep x >= 0).
                let columns = widest.max((f64::from(places).sqrt().ceil()) as i32);
                let offset = (widest - columns).max(0) as f32 / 2.0;
                for number in 1..=places {
                    if (number - 1) % STANDING_BLOCK == 0 {
                        rows.push(RowPlan {
                            section: name.to_owned(),
                            category: section.category.clone(),
                            size: STANDING_BLOCK.min(places - number + 1),
                            standing: true,
                        });
                    }
                    seats.push(SeatPlan {
                        seat_id: seats.len() as i32 + 1,
                        label: format!("{name} {number}"),
                        section: name.to_owned(),
                        row_no: rows.len() as i32 - 1,
                        row_label: name.to_owned(),
                        number,
                        category: section.category.clone(),
                        x: offset + ((number - 1) % columns) as f32,
                        y: y + ((number - 1) / columns) as f32,
                        place: number - 1,
                        features: vec![STANDING],
                        slot: None,
                    });
                }
                // Its rows of ground, and one empty row after the section.
                y += ((places + columns - 1) / columns) as f32 + 1.0;
                continue;
            }
            if let Some(slots) = &section.slots {
                let (starts, minutes) = slots.starts(name)?;
                let row_no = rows.len() as i32;
                rows.push(RowPlan {
                    section: name.to_owned(),
                    category: section.category.clone(),
                    size: starts.len() as i32,
                    standing: false,
                });
                let offset = (widest - starts.len() as i32) as f32 / 2.0;
                for (i, &start_minute) in starts.iter().enumerate() {
                    seats.push(SeatPlan {
                        seat_id: seats.len() as i32 + 1,
                        // The practitioner and the time: what a patient's booking says.
                        label: format!("{name} {:02}:{:02}", start_minute / 60, start_minute % 60),
                        section: name.to_owned(),
                        row_no,
                        row_label: name.to_owned(),
                        number: i as i32 + 1,
                        category: section.category.clone(),
                        x: offset + i as f32,
                        y,
                        place: i as i32,
                        features: Vec::new(),
                        slot: Some(SlotPlan {
                            start_minute,
                            minutes,
                        }),
                    });
                }
                y += 2.0;
                continue;
            }
            for row in &section.rows {
                let row_no = rows.len() as i32;
                let category = row.category.as_deref().unwrap_or(&section.category);
                rows.push(RowPlan {
                    section: name.to_owned(),
                    category: category.to_owned(),
                    size: row.real_seats(),
                    standing: false,
                });
                // Rows are centred on the widest row, so an aisle-less hall draws as a block.
                let offset = (widest - row.width()) as f32 / 2.0;
                // "A" + 12 reads "A12"; a row label ending in a digit gets a dash, so
                // row "F1" seat 11 ("F1-11") never collides with row "F11" seat 1.
                let separator = if row.label.ends_with(|c: char| c.is_ascii_digit()) {
                    "-"
                } else {
                    ""
                };
                for number in (1..=row.seats).filter(|n| !row.missing.contains(n)) {
                    let mut features = Vec::new();
                    if row.accessible.contains(&number) {
                        features.push(WHEELCHAIR);
                    }
                    if row.gaps_after.contains(&number) || row.gaps_after.contains(&(number - 1)) {
                        features.push(AISLE);
                    }
                    seats.push(SeatPlan {
                        seat_id: seats.len() as i32 + 1,
                        label: format!("{}{separator}{number}", row.label),
                        section: section.name.trim().to_owned(),
                        row_no,
                        row_label: row.label.clone(),
                        number,
                        category: category.to_owned(),
                        x: offset + row.place(number) as f32,
                        y: y - row.bend(row.place(number)),
                        place: row.place(number),
                        features,
                        slot: None,
                    });
                }
                y += 1.0;
            }
            // One empty row between sections.
            y += 1.0;
        }
        place_sections(&spec, &spans, widest, &mut seats);
        let stage = spec.stage.clone();
        let stage = normalise(&spec, stage, &mut seats);
        let mut seat_labels = HashSet::with_capacity(seats.len());
        if let Some(seat) = seats.iter().find(|s| !seat_labels.insert(s.label.as_str())) {
            return Err(Error::new(
                Code::DuplicateSeatLabel,
                format!(
                    "Seat label {:?} would appear twice; rename a row.",
                    seat.label
                ),
            ));
        }
        let spec = LayoutSpec {
            name: name.to_owned(),
            ..spec
        };
        Ok(Self {
            spec,
            seats,
            rows,
            stage,
        })
    }

    pub fn seat_count(&self) -> usize {
        self.seats.len()
    }

    /// Each seat row's distance to the stage (its nearest seat's), by `row_no`; `None`
    /// without a stage.
    pub fn row_distances(&self) -> Vec<Option<f32>> {
        let mut out: Vec<Option<f32>> = vec![None; self.rows.len()];
        if let Some(stage) = &self.stage {
            for seat in &self.seats {
                let d = (seat.x - stage.x).hypot(seat.y - stage.y);
                let slot = &mut out[seat.row_no as usize];
                *slot = Some(slot.map_or(d, |best| best.min(d)));
            }
        }
        out
    }

    /// Marks the seats at either end of each seated row as window seats, as in a coach
    /// (slots and standing places are not seats by a window).
    pub fn mark_windows(&mut self) {
        let mut ends: std::collections::HashMap<i32, (i32, i32)> = Default::default();
        let seated = |seat: &SeatPlan| seat.slot.is_none() && !seat.features.contains(&STANDING);
        for seat in self.seats.iter().filter(|s| seated(s)) {
            let end = ends.entry(seat.row_no).or_insert((seat.place, seat.place));
            *end = (end.0.min(seat.place), end.1.max(seat.place));
        }
        for seat in &mut self.seats {
            if seated(seat)
                && let Some(&(first, last)) = ends.get(&seat.row_no)
                && (seat.place == first || seat.place == last)
            {
                seat.features.push(WINDOW);
            }
        }
    }

    /// The distinct seat categories, sorted.
    pub fn categories(&self) -> BTreeSet<&str> {
        self.seats.iter().map(|s| s.category.as_str()).collect()
    }
}

/// Trims a display name and checks it is non-empty, bounded and free of control characters.
/// Turns and moves every placed section (`spans`: each section's first seat and stacked
/// top): about its front row's middle, by its rotation, onto its position.
fn place_sections(spec: &LayoutSpec, spans: &[(usize, f32)], widest: i32, seats: &mut [SeatPlan]) {
    // Every row is centred on the widest one: its middle is here.
    let middle = (widest - 1) as f32 / 2.0;
    for (i, section) in spec.sections.iter().enumerate() {
        let Some(p) = section.position else { continue };
        let (first, top) = spans[i];
        let end = spans.get(i + 1).map_or(seats.len(), |&(start, _)| start);
        let (sin, cos) = p.rotation.to_radians().sin_cos();
        for seat in &mut seats[first..end] {
            let (x, y) = (seat.x - middle, seat.y - top);
            seat.x = p.x + x * cos - y * sin;
            seat.y = p.y + x * sin + y * cos;
        }
    }
}

/// Moves a layout that uses placements, curves or a stage so that its drawing starts at
/// (0, 0), as clients draw from there; the stage moves with it. Other layouts keep their
/// coordinates exactly.
fn normalise(spec: &LayoutSpec, stage: Option<Stage>, seats: &mut [SeatPlan]) -> Option<Stage> {
    let placed = stage.is_some()
        || spec.sections.iter().any(|s| {
            s.position.is_some() || s.rows.iter().any(|r| r.curve.is_some_and(|c| c != 0.0))
        });
    if !placed {
        return stage;
    }
    let points = seats
        .iter()
        .map(|s| (s.x, s.y))
        .chain(stage.iter().map(|s| (s.x, s.y)));
    let (min_x, min_y) = points.fold((f32::MAX, f32::MAX), |(mx, my), (x, y)| {
        (mx.min(x), my.min(y))
    });
    let round = |v: f32| (v * 1000.0).round() / 1000.0;
    for seat in seats.iter_mut() {
        seat.x = round(seat.x - min_x);
        seat.y = round(seat.y - min_y);
    }
    stage.map(|s| Stage {
        x: round(s.x - min_x),
        y: round(s.y - min_y),
        ..s
    })
}

/// The outline of a set of points: their convex hull, corners only, counter-clockwise
/// with y pointing up (clockwise on a screen, where y grows down), from the leftmost
/// lowest point. A standing area's outline runs through the centres of its outermost
/// places. Fewer than three points, or points on one line, give the line's ends.
pub fn outline(points: impl IntoIterator<Item = (f32, f32)>) -> Vec<(f32, f32)> {
    let mut points: Vec<(f32, f32)> = points.into_iter().collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    // Andrew's monotone chain: the lower hull left to right, then the upper one back from
    // the rightmost point (which ends the lower one) to the first.
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| {
        f64::from(a.0 - o.0) * f64::from(b.1 - o.1) - f64::from(a.1 - o.1) * f64::from(b.0 - o.0)
    };
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * points.len());
    let chain = |hull: &mut Vec<(f32, f32)>, floor: usize, p: (f32, f32)| {
        while hull.len() >= floor + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
        {
            hull.pop();
        }
        hull.push(p);
    };
    for &p in &points {
        chain(&mut hull, 0, p);
    }
    let floor = hull.len() - 1;
    for &p in points.iter().rev().skip(1) {
        chain(&mut hull, floor, p);
    }
    hull.pop();
    hull
}

/// A placement's or stage's point must be finite and within bounds.
fn check_point(x: f32, y: f32, what: &str) -> Result<()> {
    if !(x.is_finite() && y.is_finite() && x.abs() <= MAX_COORDINATE && y.abs() <= MAX_COORDINATE) {
        return Err(Error::new(
            Code::InvalidPlacement,
            format!("{what}: x and y must be numbers within ±{MAX_COORDINATE}."),
        ));
    }
    Ok(())
}

pub fn clean_name<'a>(value: &'a str, what: &str) -> Result<&'a str> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return Err(Error::new(
            Code::InvalidName,
            format!("The {what} must be 1 to {MAX_NAME_CHARS} printable characters."),
        ));
    }
    Ok(trimmed)
}

fn check_row_label(label: &str) -> Result<()> {
    let chars = label.chars().count();
    if chars == 0
        || chars > MAX_ROW_LABEL_CHARS
        || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::new(
            Code::InvalidRowLabel,
            format!(
                "Row label {label:?} must be 1 to {MAX_ROW_LABEL_CHARS} letters, digits or '-'."
            ),
        ));
    }
    Ok(())
}

/// Categories are short identifiers ("standard", "premium", "wheelchair") used as price keys.
pub fn check_category(category: &str) -> Result<()> {
    let chars = category.chars().count();
    if chars == 0
        || chars > MAX_CATEGORY_CHARS
        || !category
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::new(
            Code::InvalidCategory,
            format!(
                "Category {category:?} must be 1 to {MAX_CATEGORY_CHARS} letters, digits, '_' or '-'."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, seats: i32) -> RowSpec {
        RowSpec::plain(label, seats)
    }

    fn spec(rows: Vec<RowSpec>) -> LayoutSpec {
        LayoutSpec {
            name: "Hall".into(),
            sections: vec![SectionSpec {
                name: "Stalls".into(),
                category: "standard".into(),
                rows,
                slots: None,
                standing: None,
                position: None,
            }],
            stage: None,
        }
    }

    #[test]
    fn placed_sections_turn_about_their_front_rows_middle_and_rows_curve() {
        // Two sections of one 3-seat row: one facing up (above the stage), one turned 90°
        // (to the stage's left, facing right); the stage at the origin.
        let section = |name: &str, x: f32, y: f32, rotation: f32| SectionSpec {
            name: name.into(),
            category: "standard".into(),
            rows: vec![row(&name[..1], 3)],
            slots: None,
            standing: None,
            position: Some(Placement { x, y, rotation }),
        };
        let spec = LayoutSpec {
            name: "Bowl".into(),
            sections: vec![
                section("North", 0.0, -5.0, 0.0),
                section("West", -5.0, 0.0, 90.0),
            ],
            stage: Some(Stage {
                x: 0.0,
                y: 0.0,
                label: "Stage".into(),
            }),
        };
        let layout = Layout::parse(spec).unwrap();
        let points: Vec<(f32, f32)> = layout.seats.iter().map(|s| (s.x, s.y)).collect();
        // Before normalising: North at (-1..1, -5), West at (-5, -1..1) turned; then all
        // moved so the drawing starts at 0: min x = -5, min y = -5.
        assert_eq!(
            points,
            [
                (4.0, 0.0),
                (5.0, 0.0),
                (6.0, 0.0),
                (0.0, 4.0),
                (0.0, 5.0),
                (0.0, 6.0)
            ]
        );
        let stage = layout.stage.clone().unwrap();
        assert_eq!((stage.x, stage.y), (5.0, 5.0));
        // Places (adjacency) do not change with the drawing.
        let places: Vec<i32> = layout.seats.iter().map(|s| s.place).collect();
        assert_eq!(places, [0, 1, 2, 0, 1, 2]);
        assert_eq!(layout.row_distances(), [Some(5.0), Some(5.0)]);

        // A curved row brings its ends forward.
        let curved = RowSpec {
            curve: Some(1.0),
            ..row("A", 5)
        };
        let layout = Layout::parse(spec_of(vec![curved, row("B", 5)])).unwrap();
        let ys: Vec<f32> = layout.seats.iter().take(5).map(|s| s.y).collect();
        assert_eq!(ys, [0.0, 0.75, 1.0, 0.75, 0.0]);

        for bad in [
            Placement {
                x: f32::NAN,
                y: 0.0,
                rotation: 0.0,
            },
            Placement {
                x: 0.0,
                y: 1e9,
                rotation: 0.0,
            },
            Placement {
                x: 0.0,
                y: 0.0,
                rotation: f32::INFINITY,
            },
        ] {
            let spec = LayoutSpec {
                sections: vec![SectionSpec {
                    position: Some(bad),
                    ..section("North", 0.0, 0.0, 0.0)
                }],
                ..spec_of(vec![row("A", 1)])
            };
            assert_eq!(
                Layout::parse(spec).unwrap_err().code,
                Code::InvalidPlacement
            );
        }
        let too_curved = RowSpec {
            curve: Some(1000.0),
            ..row("A", 5)
        };
        let err = Layout::parse(spec_of(vec![too_curved])).unwrap_err();
        assert_eq!(err.code, Code::InvalidPlacement);
    }

    fn spec_of(rows: Vec<RowSpec>) -> LayoutSpec {
        spec(rows)
    }

    #[test]
    fn aisles_missing_numbers_and_wheelchair_spaces_shape_a_row() {
        let a = RowSpec {
            gaps_after: vec![3],
            missing: vec![5],
            accessible: vec![1],
            ..row("A", 6)
        };
        let layout = Layout::parse(spec(vec![a.clone(), row("B", 7)])).unwrap();
        let a_seats: Vec<_> = layout.seats.iter().filter(|s| s.row_no == 0).collect();
        let labels: Vec<_> = a_seats.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            ["A1", "A2", "A3", "A4", "A6"],
            "labels keep the real numbers"
        );
        let xs: Vec<_> = a_seats.iter().map(|s| s.x).collect();
        // The aisle after A3 and the missing A5 each keep a place: row A is 7 wide, as
        // wide as row B, so neither is shifted.
        assert_eq!(xs, [0.0, 1.0, 2.0, 4.0, 6.0]);
        let features: Vec<_> = a_seats.iter().map(|s| s.features.clone()).collect();
        assert_eq!(
            features,
            [vec![WHEELCHAIR], vec![], vec![AISLE], vec![AISLE], vec![]]
        );
        assert_eq!(
            layout.rows.iter().map(|r| r.size).collect::<Vec<_>>(),
            [5, 7],
            "a row counts the seats that exist"
        );
        assert_eq!(layout.seat_count(), 12);

        // Numbered from the right: seat 1 is at the right end, the aisle still after 3.
        let reversed = RowSpec {
            numbering: Some(Numbering::RightToLeft),
            ..a
        };
        let mut layout = Layout::parse(spec(vec![reversed])).unwrap();
        let xs: Vec<_> = layout.seats.iter().map(|s| (s.number, s.x)).collect();
        assert_eq!(xs, [(1, 6.0), (2, 5.0), (3, 4.0), (4, 2.0), (6, 0.0)]);

        // In a coach the row's ends are by the windows, whichever way it is numbered.
        layout.mark_windows();
        let windows: Vec<_> = layout
            .seats
            .iter()
            .filter(|s| s.features.contains(&WINDOW))
            .map(|s| s.number)
            .collect();
        assert_eq!(windows, [1, 6]);
    }

    #[test]
    fn an_outline_is_the_convex_hull_by_its_corners() {
        // A 3 x 3 grid with a partial fourth row: corners only, no points on edges.
        let mut grid: Vec<(f32, f32)> = (0..10).map(|i| ((i % 3) as f32, (i / 3) as f32)).collect();
        grid.reverse();
        assert_eq!(
            outline(grid),
            [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 3.0)]
        );
        assert_eq!(outline([(1.0, 1.0), (1.0, 1.0)]), [(1.0, 1.0)]);
        assert_eq!(
            outline([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]),
            [(0.0, 0.0), (2.0, 2.0)]
        );
        assert!(outline([]).is_empty());
    }

    #[test]
    fn a_standing_area_is_places_counted_in_blocks() {
        let floor = SectionSpec {
            name: "Floor".into(),
            category: "floor".into(),
            rows: Vec::new(),
            slots: None,
            standing: Some(45),
            position: None,
        };
        let mut layout_spec = spec(vec![row("A", 2)]);
        layout_spec.sections.push(floor.clone());
        let layout = Layout::parse(layout_spec).unwrap();
        assert_eq!(layout.seat_count(), 47);
        let blocks: Vec<(i32, bool)> = layout.rows.iter().map(|r| (r.size, r.standing)).collect();
        assert_eq!(blocks, [(2, false), (20, true), (20, true), (5, true)]);
        let place = &layout.seats[2];
        assert_eq!((place.label.as_str(), place.row_no), ("Floor 1", 1));
        assert_eq!(place.features, [STANDING]);
        assert_eq!(layout.seats[46].row_no, 3);
        // The ground: 45 places in rows as wide as the square's side (7, wider than row A,
        // so from the left edge), after row A and its empty row.
        let ground: Vec<(f32, f32)> = layout.seats[2..].iter().map(|p| (p.x, p.y)).collect();
        assert_eq!(ground[0], (0.0, 2.0));
        assert_eq!(ground[6], (6.0, 2.0));
        assert_eq!(ground[7], (0.0, 3.0));
        assert_eq!(ground[44], (2.0, 8.0));

        for bad in [
            SectionSpec {
                standing: Some(0),
                ..floor.clone()
            },
            SectionSpec {
                standing: Some(50_001),
                ..floor.clone()
            },
            SectionSpec {
                rows: vec![row("B", 2)],
                ..floor.clone()
            },
        ] {
            let mut layout_spec = spec(vec![row("A", 2)]);
            layout_spec.sections.push(bad);
            let err = Layout::parse(layout_spec).unwrap_err();
            assert_eq!(err.code, Code::InvalidSectionKind);
        }
    }

    #[test]
    fn row_lists_must_name_the_rows_own_numbers() {
        for bad in [
            RowSpec {
                gaps_after: vec![4],
                ..row("A", 4)
            },
            RowSpec {
                gaps_after: vec![0],
                ..row("A", 4)
            },
            RowSpec {
                gaps_after: vec![2, 2],
                ..row("A", 4)
            },
            RowSpec {
                missing: vec![5],
                ..row("A", 4)
            },
            RowSpec {
                missing: vec![1, 2],
                ..row("A", 2)
            },
            RowSpec {
                accessible: vec![3],
                missing: vec![3],
                ..row("A", 4)
            },
            RowSpec {
                accessible: vec![9],
                ..row("A", 4)
            },
        ] {
            let err = Layout::parse(spec(vec![bad.clone()])).unwrap_err();
            assert_eq!(err.code, Code::InvalidSeatNumbers, "{bad:?}");
        }
    }

    #[test]
    fn seats_are_numbered_labelled_and_centred() {
        let layout = Layout::parse(spec(vec![row("A", 4), row("B", 2)])).unwrap();
        let labels: Vec<_> = layout.seats.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["A1", "A2", "A3", "A4", "B1", "B2"]);
        let ids: Vec<_> = layout.seats.iter().map(|s| s.seat_id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
        // Row B (2 seats) is centred under row A (4 seats).
        assert_eq!(layout.seats[4].x, 1.0);
        assert_eq!(layout.seats[4].y, 1.0);
        assert_eq!(
            layout.rows.iter().map(|r| r.size).collect::<Vec<_>>(),
            [4, 2]
        );
    }

    #[test]
    fn labels_of_numbered_rows_do_not_collide() {
        let layout = Layout::parse(spec(vec![row("F1", 11), row("F11", 1)])).unwrap();
        assert_eq!(layout.seats[10].label, "F1-11");
        assert_eq!(layout.seats[11].label, "F11-1");
        let ok = Layout::parse(spec(vec![row("A-", 1), row("A", 1), row("A-1", 1)])).unwrap();
        let labels: Vec<_> = ok.seats.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["A-1", "A1", "A-1-1"]);
        let err = Layout::parse(spec(vec![row("A1-", 5), row("A1", 1)])).unwrap_err();
        assert_eq!(err.code.as_str(), "duplicate_seat_label");
    }

    #[test]
    fn row_category_overrides_section_category() {
        let mut r = row("A", 1);
        r.category = Some("premium".into());
        let layout = Layout::parse(spec(vec![r, row("B", 1)])).unwrap();
        assert_eq!(layout.seats[0].category, "premium");
        assert_eq!(layout.seats[1].category, "standard");
        assert_eq!(
            layout.categories().into_iter().collect::<Vec<_>>(),
            ["premium", "standard"]
        );
    }

    #[test]
    fn limits_are_enforced_before_allocation() {
        let cases = [
            (spec(vec![]), "empty_section"),
            (spec(vec![row("A", 0)]), "invalid_row_size"),
            (spec(vec![row("A", -3)]), "invalid_row_size"),
            (spec(vec![row("A", i32::MAX)]), "invalid_row_size"),
            (spec(vec![row("A", 1), row("A", 1)]), "duplicate_row_label"),
            (spec(vec![row("", 1)]), "invalid_row_label"),
            (spec(vec![row("A B", 1)]), "invalid_row_label"),
            (
                spec((0..200).map(|i| row(&format!("R{i}"), 500)).collect()),
                "too_many_seats",
            ),
        ];
        for (spec, code) in cases {
            let err = Layout::parse(spec).unwrap_err();
            assert_eq!(err.code.as_str(), code, "{}", err.detail);
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut s = spec(vec![row("A", 1)]);
        s.name = "  Hall 1 ".into();
        assert_eq!(Layout::parse(s).unwrap().spec.name, "Hall 1");
        let mut s = spec(vec![row("A", 1)]);
        s.name = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(Layout::parse(s).unwrap_err().code.as_str(), "invalid_name");
        let mut s = spec(vec![row("A", 1)]);
        s.name = "bad\u{0}name".into();
        assert_eq!(Layout::parse(s).unwrap_err().code.as_str(), "invalid_name");
    }
}
