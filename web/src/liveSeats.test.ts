import { describe, expect, it } from 'vitest';
import type { SeatEvent } from './api/client';
import { SeatVersions } from './liveSeats';

const change = (version: number, seats: [number, string][]): SeatEvent => ({
  kind: 'seats',
  show_id: 1,
  version,
  seats: seats.map(([id, status]) => ({ id, status })),
});

describe('SeatVersions', () => {
  it('ignores changes the loaded map already includes', () => {
    const seats = new SeatVersions(10);
    expect(seats.fresh(change(9, [[1, 'HELD']]))).toEqual([]);
    expect(seats.fresh(change(10, [[1, 'HELD']]))).toEqual([]);
    expect(seats.fresh(change(11, [[1, 'HELD']]))).toEqual([{ id: 1, status: 'HELD' }]);
  });

  it('applies a late change to other seats but never over a newer one', () => {
    const seats = new SeatVersions(10);
    // Version 12 (seat 1 booked) is published before version 11 (seats 1 and 2 held).
    expect(seats.fresh(change(12, [[1, 'BOOKED']]))).toEqual([{ id: 1, status: 'BOOKED' }]);
    expect(seats.fresh(change(11, [[1, 'HELD'], [2, 'HELD']]))).toEqual([{ id: 2, status: 'HELD' }]);
    expect(seats.fresh(change(11, [[2, 'HELD']]))).toEqual([]);
  });
});
