import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SeatEvent } from './api/client';
import { coalesce, eventVersion, SeatVersions, splitChanges } from './liveSeats';

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

describe('splitChanges', () => {
  it('keeps the changes of seats on the map and says when a standing place (not on the map) changed', () => {
    const onMap = new Set([2001, 2002]);
    const changes = [
      { id: 1406, status: 'HELD' },
      { id: 2001, status: 'HELD' },
    ];
    expect(splitChanges(changes, onMap)).toEqual({ seats: [{ id: 2001, status: 'HELD' }], standing: true });
    expect(splitChanges([{ id: 2002, status: 'BOOKED' }], onMap)).toEqual({ seats: [{ id: 2002, status: 'BOOKED' }], standing: false });
    expect(splitChanges([{ id: 7, status: 'HELD' }], onMap)).toEqual({ seats: [], standing: true });
  });
});

describe('coalesce', () => {
  afterEach(() => vi.useRealTimers());

  it('runs once more after a burst of requests made while a run is in flight', async () => {
    const done: (() => void)[] = [];
    const task = vi.fn(() => new Promise<void>((r) => done.push(r)));
    const c = coalesce(task);
    c.run();
    c.run();
    c.run();
    expect(task).toHaveBeenCalledTimes(1);
    done[0]();
    await vi.waitFor(() => expect(task).toHaveBeenCalledTimes(2));
    done[1]();
    await Promise.resolve();
    await Promise.resolve();
    expect(task).toHaveBeenCalledTimes(2);
    c.run(); // idle again: runs at once
    expect(task).toHaveBeenCalledTimes(3);
  });

  it('keeps a minimum gap between runs, and a failed run does not stop later ones', async () => {
    vi.useFakeTimers();
    const task = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
    const c = coalesce(task, 1000);
    c.run();
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(0);
    c.run();
    c.run();
    expect(task).toHaveBeenCalledTimes(1); // within the gap: waits
    await vi.advanceTimersByTimeAsync(999);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2); // once for both requests
    c.cancel();
    c.run();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(2);
  });
});

describe('eventVersion', () => {
  it("reads an event's version when it has one", () => {
    expect(eventVersion('{"kind":"resync","show_id":1,"version":17,"seats":[]}')).toBe(17);
    expect(eventVersion('{"kind":"resync","show_id":1,"seats":[]}')).toBeUndefined();
    expect(eventVersion('')).toBeUndefined();
    expect(eventVersion('not json')).toBeUndefined();
    expect(eventVersion(undefined)).toBeUndefined();
  });
});
