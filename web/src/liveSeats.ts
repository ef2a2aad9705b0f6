import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { api, API_BASE, unwrap, type Seat, type SeatEvent, type SeatMap as SeatMapData, type SeatState } from './api/client';

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

export interface LiveSeatMapHandlers {
  /** After every (re)load of the map. */
  onLoaded?(map: SeatMapData): void;
  /** Status changes from the stream, newer than the map (already applied to `statuses`). */
  onChanges?(changes: SeatEvent['seats']): void;
  /** The service said the map changed beyond seat statuses (prices, the show itself): it is reloaded. */
  onResync?(): void;
  onError?(err: unknown): void;
}

export interface LiveSeatMap {
  seats: Seat[] | null;
  statuses: Map<number, SeatState>;
  setStatuses: Dispatch<SetStateAction<Map<number, SeatState>>>;
  /** Whether the event stream is connected. */
  live: boolean;
  reload(): Promise<void>;
}

/**
 * A show's seat map, kept current from its event stream: seat changes newer than the loaded map are
 * applied to `statuses`; a `resync` event reloads the map. The handlers may change on every render.
 */
export function useLiveSeatMap(showId: number, handlers: LiveSeatMapHandlers = {}): LiveSeatMap {
  const [seats, setSeats] = useState<Seat[] | null>(null);
  const [statuses, setStatuses] = useState<Map<number, SeatState>>(() => new Map());
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [live, setLive] = useState(false);
  // Which seat changes the loaded map and the events since have covered.
  const versions = useRef(new SeatVersions(0));
  const on = useRef(handlers);
  on.current = handlers;

  const reload = useCallback(async () => {
    try {
      const map = unwrap(await api.GET('/shows/{id}/seats', { params: { path: { id: showId } } }));
      versions.current = new SeatVersions(map.version);
      setSeats(map.seats);
      setStatuses(new Map(map.seats.map((s) => [s.id, s.status])));
      setLoadedVersion(map.version);
      on.current.onLoaded?.(map);
    } catch (e) {
      on.current.onError?.(e);
    }
  }, [showId]);

  useEffect(() => {
    setSeats(null);
    reload();
  }, [reload]);

  useEffect(() => {
    if (loadedVersion === null || typeof EventSource === 'undefined') return;
    const es = new EventSource(`${API_BASE}/shows/${showId}/events?since=${loadedVersion}`);
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    es.addEventListener('seats', (ev) => {
      const fresh = versions.current.fresh(JSON.parse((ev as MessageEvent).data) as SeatEvent);
      if (fresh.length === 0) return;
      setStatuses((prev) => {
        const next = new Map(prev);
        for (const c of fresh) next.set(c.id, c.status as SeatState);
        return next;
      });
      on.current.onChanges?.(fresh);
    });
    es.addEventListener('resync', () => {
      es.close();
      setLive(false);
      on.current.onResync?.();
      reload();
    });
    return () => {
      es.close();
      setLive(false);
    };
  }, [showId, loadedVersion, reload]);

  return { seats, statuses, setStatuses, live, reload };
}
