/**
 * What a buyer picked on a show page before being asked to sign in or register: kept in
 * sessionStorage (this tab only, gone when it closes), so the show page can put it back afterwards.
 * Bounded: one show, at most 10 seats or appointment times, or one standing area's quantity.
 */
export const PENDING_KEY = 'tessera.pending';
export const MAX_PENDING = 10;
/** An older selection than this is not restored (seats change hands; the buyer has moved on). */
export const PENDING_TTL_MS = 2 * 60 * 60 * 1000;

export interface PendingSelection {
  showId: number;
  /** Seats or appointment times by id, with their labels (to name the ones taken meanwhile). */
  seats: { id: number; label: string }[];
  /** Places of a standing area, by number. */
  standing?: { section: string; quantity: number };
  /** When it was kept (ms since the epoch). */
  savedAt: number;
}

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled: nothing is kept
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Keeps what was picked on one show (replacing any other show's); nothing picked clears it. */
export function savePending(showId: number, seats: readonly { id: number; label: string }[], standing?: { section: string; quantity: number } | null): void {
  const s = storage();
  if (!s) return;
  if (seats.length === 0 && !standing) {
    clearPending(showId);
    return;
  }
  const value: PendingSelection = {
    showId,
    seats: seats.slice(0, MAX_PENDING).map(({ id, label }) => ({ id, label })),
    savedAt: Date.now(),
  };
  if (standing) value.standing = { section: standing.section, quantity: Math.min(MAX_PENDING, Math.max(1, Math.floor(standing.quantity))) };
  try {
    s.setItem(PENDING_KEY, JSON.stringify(value));
  } catch {
    // full or refused: the selection is simply not kept
  }
}

/** What was kept for `showId` (any show when omitted), if it is readable, bounded and recent. */
export function loadPending(showId?: number, now = Date.now()): PendingSelection | null {
  const s = storage();
  const raw = s?.getItem(PENDING_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as PendingSelection;
    if (!isInt(v.showId) || !Array.isArray(v.seats) || !isInt(v.savedAt)) return null;
    if (showId !== undefined && v.showId !== showId) return null;
    if (now - v.savedAt > PENDING_TTL_MS || v.savedAt > now + 60_000) return null;
    const seats = v.seats
      .filter((x) => x && isInt(x.id) && typeof x.label === 'string')
      .slice(0, MAX_PENDING)
      .map((x) => ({ id: x.id, label: x.label }));
    const st = v.standing;
    const standing =
      st && typeof st.section === 'string' && isInt(st.quantity) && st.quantity >= 1 ? { section: st.section, quantity: Math.min(MAX_PENDING, st.quantity) } : undefined;
    if (seats.length === 0 && !standing) return null;
    return { showId: v.showId, seats, standing, savedAt: v.savedAt };
  } catch {
    return null;
  }
}

/** Forgets the kept selection (of `showId` only, when given). */
export function clearPending(showId?: number): void {
  const s = storage();
  if (!s) return;
  if (showId !== undefined) {
    const v = loadPending(undefined);
    if (v && v.showId !== showId) return;
  }
  try {
    s.removeItem(PENDING_KEY);
  } catch {
    // nothing kept
  }
}

/**
 * Splits a kept selection by what the seat map says now: the seats still free (to select again) and
 * the labels of those taken meanwhile (or gone from the map).
 */
export function restorable(
  pending: Pick<PendingSelection, 'seats'>,
  statusOf: (id: number) => string | undefined,
): { free: number[]; taken: string[] } {
  const free: number[] = [];
  const taken: string[] = [];
  for (const { id, label } of pending.seats) {
    if (statusOf(id) === 'AVAILABLE') free.push(id);
    else taken.push(label);
  }
  return { free, taken };
}

/** Where to go after signing in: a safe in-app path from `?next=`, else the show a selection was kept for, else the show list. */
export function afterSignIn(search: string, isAppRoute: (path: string) => boolean): string {
  const next = new URLSearchParams(search).get('next');
  if (next && next.startsWith('/') && !next.startsWith('//') && isAppRoute(next.split(/[?#]/)[0])) return next;
  const pending = loadPending();
  return pending ? `/shows/${pending.showId}` : '/';
}
