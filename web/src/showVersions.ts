/**
 * Read-your-writes across instances: the highest change version seen per show in this tab (from the
 * buyer's own holds, confirms and cancels, and from the seat maps and live events read), so a later
 * read of the show or its seat map asks for at least that change (`min_version`) and no instance
 * answers with a copy from before it. A version only ever goes up.
 */
const atLeast = new Map<number, number>();

/** Remembers that `showId` has reached `version` (nothing for a missing, zero or lower one). */
export function noteShowVersion(showId: number, version: number | null | undefined): void {
  if (typeof version !== 'number' || !Number.isFinite(version) || version <= 0) return;
  if (version > (atLeast.get(showId) ?? 0)) atLeast.set(showId, version);
}

/** Remembers the show version a write's answer (hold, confirm, cancel) carries. */
export function noteWrite(booking: { show_id: number; show_version?: number | null }): void {
  noteShowVersion(booking.show_id, booking.show_version);
}

/** The version a read of `showId` must include, when one is known. */
export function showVersionOf(showId: number): number | undefined {
  return atLeast.get(showId);
}

/** The parameters of a read of the show or its seat map: `min_version` only when one is known. */
export function showReadParams(showId: number): { path: { id: number }; query?: { min_version: number } } {
  const v = atLeast.get(showId);
  return v === undefined ? { path: { id: showId } } : { path: { id: showId }, query: { min_version: v } };
}

/** Forgets every version (tests). */
export function forgetShowVersions(): void {
  atLeast.clear();
}
