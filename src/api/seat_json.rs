//! Seat map bodies assembled from JSON prepared once per show.
//!
//! Everything about a seat except its status (label, section, row, category, price,
//! drawing position) is fixed when the show is created, but for its price, which only an
//! admin's change of the show's prices moves (and with it the show's `seats_version`).
//! So each seat's JSON up to its status is serialized once per process and kept in a
//! [`SeatLayout`] with the version it was read at; rebuilding a seat map after a change then reads only the seats that
//! are taken ([`crate::store::Db::taken_seats`]) and copies bytes. For a 20,000-seat show
//! that replaces reading, converting and serializing 20,000 rows with reading a few
//! hundred and one memcpy-speed pass, and a rebuild is what every reader waits for while
//! holds land on a busy show.

use std::sync::Arc;

use super::show_views::{Point, SeatMap, SeatState, SeatView, StageView, StandingArea};
use crate::domain::booking::SeatStatus;
use crate::domain::layout::{STANDING, Stage, outline};
use crate::domain::show::Seat;

/// How a seat's JSON ends when it is serialized as available: what is cut off to leave
/// the status open.
const AVAILABLE_TAIL: &[u8] = b"AVAILABLE\"}";

/// A show's seats serialized as the seat map's `seats` items, each cut just before the
/// value of its `status`.
#[derive(Debug)]
pub struct SeatLayout {
    /// Seat ids, ascending (the seat map's order).
    ids: Vec<i32>,
    /// Every seat's JSON prefix, back to back.
    json: Vec<u8>,
    /// Where each seat's prefix ends in `json`.
    ends: Vec<usize>,
    /// The show's seats version these were read at (see [`crate::store::shows::SeatsNow`]).
    version: i32,
    /// Standing areas (their places are not among the seats) and the range of seat ids
    /// their places have (consecutive, from the layout).
    standing: Vec<(StandingArea, std::ops::RangeInclusive<i32>)>,
    stage: Option<StageView>,
}

impl SeatLayout {
    /// Prepares `seats` (ascending by id, as the seat map lists them).
    pub fn new(all: &[Seat], version: i32, stage: Option<&Stage>) -> Self {
        let mut standing: Vec<(StandingArea, std::ops::RangeInclusive<i32>)> = Vec::new();
        // Each area's places' positions, for its outline.
        let mut grounds: Vec<Vec<(f32, f32)>> = Vec::new();
        let mut seats = Vec::with_capacity(all.len());
        for seat in all {
            if !seat.features.iter().any(|f| f == STANDING) {
                seats.push(seat);
                continue;
            }
            match standing.last_mut() {
                Some((area, ids)) if area.section == seat.section => {
                    area.capacity += 1;
                    *ids = *ids.start()..=seat.id;
                }
                _ => {
                    standing.push((
                        StandingArea {
                            section: seat.section.clone(),
                            category: seat.category.clone(),
                            price_cents: seat.price_cents,
                            capacity: 1,
                            available: 0,
                            outline: Vec::new(),
                        },
                        seat.id..=seat.id,
                    ));
                    grounds.push(Vec::new());
                }
            }
            if let Some(ground) = grounds.last_mut() {
                ground.push((seat.x, seat.y));
            }
        }
        for ((area, _), ground) in standing.iter_mut().zip(grounds) {
            let corners = outline(ground);
            // Shows made before areas had ground put every place on one point.
            if corners.len() > 1 {
                area.outline = corners.into_iter().map(|(x, y)| Point { x, y }).collect();
            }
        }
        let mut json = Vec::with_capacity(seats.len() * 128);
        let mut ends = Vec::with_capacity(seats.len());
        for seat in &seats {
            let view = SeatView {
                status: SeatState::Available,
                ..SeatView::from((*seat).clone())
            };
            // Writing into a Vec cannot fail, and the status is the last field.
            serde_json::to_writer(&mut json, &view).expect("a seat serializes");
            debug_assert!(json.ends_with(AVAILABLE_TAIL));
            json.truncate(json.len() - AVAILABLE_TAIL.len());
            ends.push(json.len());
        }
        json.shrink_to_fit();
        Self {
            ids: seats.iter().map(|s| s.id).collect(),
            json,
            ends,
            version,
            standing,
            stage: stage.map(|s| StageView {
                x: s.x,
                y: s.y,
                label: s.label.clone(),
            }),
        }
    }

    pub fn version(&self) -> i32 {
        self.version
    }

    /// Bytes kept, for the cache's memory bound.
    pub fn weight(&self) -> u32 {
        let bytes = self.json.len() + self.ends.len() * size_of::<usize>() + self.ids.len() * 4;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }

    /// The seat map's JSON (exactly what serializing [`SeatMap`] writes). `taken` lists
    /// the seats that are not available, ascending by id; every other seat is available.
    pub fn render(&self, show_id: i64, version: u64, taken: &[(i32, SeatStatus)]) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.json.len() + self.ids.len() * 14 + 64);
        // A standing area's places left: its capacity less its taken places (an id range
        // of the sorted `taken`).
        let standing = self
            .standing
            .iter()
            .map(|(area, ids)| {
                let from = taken.partition_point(|(id, _)| id < ids.start());
                let to = taken.partition_point(|(id, _)| id <= ids.end());
                StandingArea {
                    available: area.capacity - (to - from) as i32,
                    ..area.clone()
                }
            })
            .collect();
        serde_json::to_writer(
            &mut body,
            &SeatMap {
                show_id,
                version,
                standing,
                stage: self.stage.clone(),
                seats: Vec::new(),
            },
        )
        .expect("a seat map header serializes");
        // `{"show_id":1,"version":2,"seats":[]}`: the seats go before the last `]}`.
        body.truncate(body.len() - 2);
        let mut taken = taken.iter().peekable();
        let mut start = 0;
        for (i, (&id, &end)) in self.ids.iter().zip(&self.ends).enumerate() {
            while taken.next_if(|(t, _)| *t < id).is_some() {}
            let status = match taken.next_if(|(t, _)| *t == id) {
                Some((_, status)) => *status,
                None => SeatStatus::Available,
            };
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&self.json[start..end]);
            body.extend_from_slice(match status {
                SeatStatus::Available => b"AVAILABLE\"}",
                SeatStatus::Held => b"HELD\"}",
                SeatStatus::Booked => b"BOOKED\"}",
                SeatStatus::Blocked => b"BLOCKED\"}",
            });
            start = end;
        }
        body.extend_from_slice(b"]}");
        body
    }
}

/// Prepared layouts of recently mapped shows, bounded by memory. Never invalidated: a
/// layout whose version is not the show's current one is replaced by the next full read
/// (as is an evicted one). The version travels with every read of the taken seats, so
/// no message has to arrive for a stale layout to be noticed.
#[derive(Clone)]
pub struct SeatLayouts(moka::future::Cache<i64, Arc<SeatLayout>>);

impl SeatLayouts {
    pub fn new(max_bytes: u64) -> Self {
        Self(
            moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, layout: &Arc<SeatLayout>| layout.weight())
                .build(),
        )
    }

    pub async fn get(&self, show_id: i64) -> Option<Arc<SeatLayout>> {
        self.0.get(&show_id).await
    }

    pub async fn insert(&self, show_id: i64, layout: Arc<SeatLayout>) {
        self.0.insert(show_id, layout).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(id: i32, status: SeatStatus) -> Seat {
        Seat {
            id,
            label: format!("A{id}"),
            section: "Stalls \"front\" \u{e9}".into(),
            row: "A".into(),
            number: id,
            category: "standard".into(),
            price_cents: 1250 + i64::from(id),
            x: id as f32 * 1.5,
            y: 2.25,
            status,
            features: if id % 3 == 0 {
                vec!["aisle".into()]
            } else {
                Vec::new()
            },
            slot: (id % 4 == 0).then(|| {
                let start =
                    chrono::DateTime::from_timestamp(1_800_000_000 + i64::from(id) * 900, 0)
                        .unwrap();
                (start, start + chrono::Duration::minutes(15))
            }),
        }
    }

    fn serde_body(show_id: i64, version: u64, seats: &[Seat]) -> Vec<u8> {
        serde_json::to_vec(&SeatMap {
            show_id,
            version,
            standing: Vec::new(),
            stage: None,
            seats: seats.iter().cloned().map(SeatView::from).collect(),
        })
        .unwrap()
    }

    #[test]
    fn renders_exactly_what_serde_writes_for_any_statuses() {
        let statuses = [SeatStatus::Available, SeatStatus::Held, SeatStatus::Booked];
        let mut seats: Vec<Seat> = (1..=40)
            .map(|id| seat(id, statuses[(id as usize * 7) % 3]))
            .collect();
        // Seat ids need not be contiguous.
        seats.retain(|s| s.id % 11 != 0);
        let layout = SeatLayout::new(&seats, 0, None);
        let taken: Vec<(i32, SeatStatus)> = seats
            .iter()
            .filter(|s| s.status != SeatStatus::Available)
            .map(|s| (s.id, s.status))
            .collect();
        assert_eq!(
            String::from_utf8(layout.render(9, 77, &taken)).unwrap(),
            String::from_utf8(serde_body(9, 77, &seats)).unwrap()
        );

        // The same layout, rendered again for other statuses, with a taken seat the
        // layout does not know (ignored).
        for s in &mut seats {
            s.status = if s.id % 2 == 0 {
                SeatStatus::Booked
            } else {
                SeatStatus::Available
            };
        }
        let mut taken: Vec<(i32, SeatStatus)> = seats
            .iter()
            .filter(|s| s.status != SeatStatus::Available)
            .map(|s| (s.id, s.status))
            .collect();
        taken.push((11, SeatStatus::Held));
        taken.sort_by_key(|(id, _)| *id);
        assert_eq!(
            String::from_utf8(layout.render(9, 78, &taken)).unwrap(),
            String::from_utf8(serde_body(9, 78, &seats)).unwrap()
        );
    }

    #[test]
    fn standing_places_are_counted_not_listed() {
        let mut seats: Vec<Seat> = (1..=10).map(|id| seat(id, SeatStatus::Available)).collect();
        for s in &mut seats[3..8] {
            s.section = "Floor".into();
            s.features = vec![STANDING.into()];
            // Two rows of ground: 4, 5, 6 and 7, 8.
            (s.x, s.y) = (((s.id - 4) % 3) as f32, 10.0 + ((s.id - 4) / 3) as f32);
        }
        let layout = SeatLayout::new(&seats, 0, None);
        let taken = [
            (2, SeatStatus::Held),
            (4, SeatStatus::Booked),
            (5, SeatStatus::Held),
            (8, SeatStatus::Blocked),
            (9, SeatStatus::Booked),
        ];
        let body: serde_json::Value = serde_json::from_slice(&layout.render(3, 1, &taken)).unwrap();
        let ids: Vec<i64> = body["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [1, 2, 3, 9, 10]);
        assert_eq!(body["seats"][3]["status"], "BOOKED");
        assert_eq!(body["standing"][0]["section"], "Floor");
        assert_eq!(body["standing"][0]["capacity"], 5);
        assert_eq!(body["standing"][0]["available"], 2);
        assert_eq!(
            body["standing"][0]["outline"],
            serde_json::json!([{"x": 0.0, "y": 10.0}, {"x": 2.0, "y": 10.0}, {"x": 1.0, "y": 11.0}, {"x": 0.0, "y": 11.0}])
        );
    }

    #[test]
    fn renders_shows_with_one_seat_and_with_none() {
        let one = [seat(5, SeatStatus::Held)];
        assert_eq!(
            SeatLayout::new(&one, 0, None).render(1, 0, &[(5, SeatStatus::Held)]),
            serde_body(1, 0, &one)
        );
        assert_eq!(
            SeatLayout::new(&[], 0, None).render(1, 0, &[]),
            serde_body(1, 0, &[])
        );
    }
}
