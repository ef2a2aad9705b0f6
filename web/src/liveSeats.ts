import type { SeatEvent } from './api/client';

/**
 * Versions of the seat changes applied since a seat map was loaded. Change events can
 * arrive out of version order; for each seat, the change with the highest version carries
 * its current status, so a change is applied only when it is newer than the last one
 * applied to that seat (or, for a seat unchanged since, than the map).
 */
export class SeatVersions {
  private readonly applied = new Map<number, number>();

  constructor(private readonly mapVersion: number) {}

  /** The changes of `event` to apply now, remembered as applied. */
  fresh(event: SeatEvent): SeatEvent['seats'] {
    const version = event.version ?? Number.MAX_SAFE_INTEGER;
    const fresh = event.seats.filter((c) => version > (this.applied.get(c.id) ?? this.mapVersion));
    for (const c of fresh) this.applied.set(c.id, version);
    return fresh;
  }
}
