import { afterEach, describe, expect, it } from 'vitest';
import { afterSignIn, clearPending, loadPending, MAX_PENDING, PENDING_KEY, PENDING_TTL_MS, restorable, savePending } from './pendingSelection';
import { isAppRoute } from './router';

describe('pending selection (kept across signing in)', () => {
  afterEach(() => sessionStorage.clear());

  it('keeps one show at a time, at most 10 seats, in sessionStorage', () => {
    savePending(3, [
      { id: 4, label: 'A4' },
      { id: 5, label: 'A5' },
    ]);
    expect(loadPending(3)?.seats).toEqual([
      { id: 4, label: 'A4' },
      { id: 5, label: 'A5' },
    ]);
    expect(localStorage.getItem(PENDING_KEY)).toBeNull(); // this tab only
    savePending(
      7,
      Array.from({ length: 25 }, (_, i) => ({ id: i + 1, label: `B${i + 1}` })),
    );
    expect(loadPending(3)).toBeNull(); // another show replaced it
    expect(loadPending(7)?.seats).toHaveLength(MAX_PENDING);
    savePending(7, [], { section: 'Floor', quantity: 40 });
    expect(loadPending(7)).toMatchObject({ seats: [], standing: { section: 'Floor', quantity: 10 } });
    savePending(7, []);
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('ignores what is old, malformed or oversized, and clears only its own show', () => {
    const now = Date.now();
    savePending(3, [{ id: 4, label: 'A4' }]);
    expect(loadPending(3, now + PENDING_TTL_MS + 1)).toBeNull();
    sessionStorage.setItem(PENDING_KEY, '{not json');
    expect(loadPending()).toBeNull();
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ showId: 'x', seats: [], savedAt: now }));
    expect(loadPending()).toBeNull();
    sessionStorage.setItem(
      PENDING_KEY,
      JSON.stringify({ showId: 3, savedAt: now, seats: [{ id: 1, label: 'A1' }, { id: 'evil', label: 2 }, ...Array.from({ length: 30 }, (_, i) => ({ id: i + 2, label: 'Z' }))] }),
    );
    expect(loadPending(3)?.seats).toHaveLength(MAX_PENDING);
    expect(loadPending(3)?.seats[0]).toEqual({ id: 1, label: 'A1' });
    clearPending(8);
    expect(loadPending(3)).not.toBeNull();
    clearPending(3);
    expect(loadPending(3)).toBeNull();
  });

  it('splits a kept pick into the seats still free and those taken meanwhile', () => {
    const status = new Map([
      [4, 'AVAILABLE'],
      [5, 'HELD'],
    ]);
    expect(restorable({ seats: [{ id: 4, label: 'A4' }, { id: 5, label: 'A5' }, { id: 99, label: 'Z9' }] }, (id) => status.get(id))).toEqual({ free: [4], taken: ['A5', 'Z9'] });
  });

  it('sends the buyer back after signing in: to ?next= when it is one of our pages, else to the show of the kept pick', () => {
    expect(afterSignIn('?next=%2Fshows%2F3', isAppRoute)).toBe('/shows/3');
    expect(afterSignIn('?next=https%3A%2F%2Fevil.example%2F', isAppRoute)).toBe('/');
    expect(afterSignIn('?next=%2F%2Fevil.example', isAppRoute)).toBe('/');
    expect(afterSignIn('?next=%2Fapi%2Fv1%2Fshows', isAppRoute)).toBe('/');
    savePending(5, [{ id: 1, label: 'A1' }]);
    expect(afterSignIn('', isAppRoute)).toBe('/shows/5');
  });
});
