//! "Best available": choosing seats for a party of N when the buyer did not pick them.
//!
//! Preferences, in order:
//! 1. all seats side by side in one row;
//! 2. never leave a single empty seat stranded between the party and a taken seat or the
//!    row's end, when another block of the same size exists that does not;
//! 3. closest to the front and to the middle of the row, one row back weighing as much as
//!    two seats off-centre (rows are ranked by their order in the layout, front first);
//!    or, when the layout names its focal point (a stage, a screen), closest to it: the
//!    party's mean distance, so an arena's bowl of rotated sections is ranked as seen
//!    from the stage.
//!
//! When no row has N adjacent free seats, the N best seats by the same distance are
//! taken (a split party is better than no seats). The function is pure: the caller reads
//! availability, and the hold transaction locks and re-checks the chosen seats.

/// The free seats of one row, in the category asked for.
///
/// Seats are placed by position: the seat places of the row from its left end, counting
/// aisles and missing seats as places. Two seats are side by side exactly when their
/// positions are consecutive, so a party is never seated across an aisle or a pillar.
#[derive(Debug, Clone)]
pub struct RowAvailability {
    /// Row rank in the layout; lower is better.
    pub row_no: i32,
    /// Twice the position of the row's middle (integers throughout).
    pub middle2: i32,
    /// Free seats as `(position, seat_id)`, sorted by position.
    pub free: Vec<(i32, i32)>,
    /// With a focal point: each free seat's distance to it (aligned with `free`), in any
    /// fixed unit; it replaces the row rank and the middle.
    pub distances: Option<Vec<f32>>,
}

/// Distance cost of a block starting at `first` of `len` seats: in quarter seats from the
/// front row's middle, or the block's summed distance to the focal point (in 1/1000).
fn cost(row: &RowAvailability, first: i32, len: i32) -> i64 {
    if let Some(distances) = &row.distances {
        let from = row.free.partition_point(|(position, _)| *position < first);
        let sum: f32 = distances[from..(from + len as usize).min(distances.len())]
            .iter()
            .sum();
        return (sum * 1000.0) as i64;
    }
    let off_centre = (2 * first + len - 1 - row.middle2).abs() as i64;
    row.row_no as i64 * 4 + off_centre
}

/// The seats chosen for a party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// Seat ids, sorted.
    pub seat_ids: Vec<i32>,
    /// All in one row, side by side.
    pub adjacent: bool,
    /// Leaves a single free seat stranded next to the party.
    pub strands: bool,
}

/// Picks `quantity` seats, or `None` if fewer are free.
pub fn pick(rows: &[RowAvailability], quantity: usize) -> Option<Pick> {
    if quantity == 0 {
        return None;
    }
    let q = quantity as i32;
    // (strands a single seat, cost, row index, first number)
    let mut best: Option<(bool, i64, usize, i32)> = None;
    for (index, row) in rows.iter().enumerate() {
        for run in runs(&row.free) {
            let (start, end) = run;
            if end - start + 1 < q {
                continue;
            }
            for first in start..=end - q + 1 {
                let strands = first - start == 1 || end - (first + q - 1) == 1;
                let candidate = (strands, cost(row, first, q), index, first);
                if best.is_none_or(|b| candidate < b) {
                    best = Some(candidate);
                }
            }
        }
    }
    if let Some((strands, _, index, first)) = best {
        let row = &rows[index];
        return Some(Pick {
            seat_ids: row
                .free
                .iter()
                .filter(|(position, _)| (first..first + q).contains(position))
                .map(|&(_, seat_id)| seat_id)
                .collect(),
            adjacent: true,
            strands,
        });
    }
    // No row fits the party: the best single seats.
    let mut all: Vec<(i64, i32)> = rows
        .iter()
        .flat_map(|row| {
            row.free
                .iter()
                .map(move |&(position, seat_id)| (cost(row, position, 1), seat_id))
        })
        .collect();
    if all.len() < quantity {
        return None;
    }
    all.sort_unstable();
    let mut seat_ids: Vec<i32> = all[..quantity].iter().map(|&(_, id)| id).collect();
    seat_ids.sort_unstable();
    Some(Pick {
        seat_ids,
        adjacent: false,
        strands: false,
    })
}

/// Maximal runs of consecutive positions, as inclusive `(first, last)` pairs.
fn runs(free: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    for &(position, _) in free {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == position => *last = position,
            _ => out.push((position, position)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row from a picture: 'o' free, 'x' taken, ' ' an aisle (a place with no seat).
    /// Seat ids are row_no * 100 + position, positions from 1.
    fn row(row_no: i32, picture: &str) -> RowAvailability {
        RowAvailability {
            row_no,
            // Positions 1..=n: the middle is (n + 1) / 2.
            middle2: picture.len() as i32 + 1,
            free: picture
                .chars()
                .enumerate()
                .filter(|(_, c)| *c == 'o')
                .map(|(i, _)| {
                    let position = i as i32 + 1;
                    (position, row_no * 100 + position)
                })
                .collect(),
            distances: None,
        }
    }

    #[test]
    fn with_a_focal_point_the_nearest_block_wins_whatever_its_row() {
        // Row 5 is nearer the stage than row 0 (a section turned towards it).
        let mut far = row(0, "oooo");
        far.distances = Some(vec![9.0, 8.0, 8.0, 9.0]);
        let mut near = row(5, "oooo");
        near.distances = Some(vec![3.0, 2.0, 1.0, 2.5]);
        let pick = pick(&[far, near], 2).unwrap();
        assert_eq!(pick.seat_ids, [503, 504]);
        assert!(pick.adjacent);
    }

    #[test]
    fn never_seats_a_party_across_an_aisle() {
        // Four free seats on each side of the aisle in the front row, but a party of
        // four in the middle would straddle it: the front row's left block wins over the
        // second row, a block of five free from row 1 is further back.
        let rows = [row(0, "ooo ooo"), row(1, "ooooooo")];
        assert_eq!(ids(&rows, 3), Some(vec![1, 2, 3]));
        let picked = pick(&rows, 4).unwrap();
        assert!(picked.adjacent);
        assert!(picked.seat_ids.iter().all(|id| *id > 100), "{picked:?}");
    }

    fn ids(rows: &[RowAvailability], quantity: usize) -> Option<Vec<i32>> {
        pick(rows, quantity).map(|p| p.seat_ids)
    }

    #[test]
    fn prefers_the_middle_of_the_front_row() {
        let rows = [row(0, "oooooooo"), row(1, "oooooooo")];
        assert_eq!(ids(&rows, 2), Some(vec![4, 5]));
        assert_eq!(ids(&rows, 3), Some(vec![3, 4, 5]));
    }

    #[test]
    fn keeps_a_party_together_in_a_further_row() {
        let rows = [row(0, "oxoxoxox"), row(1, "xxxoooxx")];
        assert_eq!(ids(&rows, 3), Some(vec![104, 105, 106]));
    }

    #[test]
    fn never_strands_a_single_seat_when_it_can_avoid_it() {
        // In "xoooox" two seats in the middle would strand one on each side; taking
        // the two at one end leaves a pair.
        let rows = [row(0, "xoooox")];
        let picked = pick(&rows, 2).unwrap();
        assert!(picked.adjacent && !picked.strands);
        let picked = picked.seat_ids;
        assert!(picked == vec![2, 3] || picked == vec![4, 5], "{picked:?}");
        // "xoooo": centred would be 3,4 leaving 2 alone; 2,3 leaves the pair 4,5.
        let rows = [row(0, "xoooo")];
        assert_eq!(ids(&rows, 2), Some(vec![2, 3]));
    }

    #[test]
    fn strands_only_when_there_is_no_other_choice() {
        let rows = [row(0, "xooox")];
        let picked = pick(&rows, 2).unwrap();
        assert!(picked.adjacent && picked.strands);
        assert_eq!(picked.seat_ids.len(), 2);
    }

    #[test]
    fn splits_the_party_when_no_row_fits_it() {
        let rows = [row(0, "oxo"), row(1, "xox")];
        let picked = pick(&rows, 3).unwrap();
        assert!(!picked.adjacent);
        assert_eq!(picked.seat_ids, vec![1, 3, 102]);
    }

    #[test]
    fn none_when_too_few_seats_are_free() {
        let rows = [row(0, "xox")];
        assert_eq!(ids(&rows, 2), None);
        assert_eq!(ids(&[], 1), None);
    }
}
