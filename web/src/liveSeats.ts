import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { api, API_BASE, unwrap, type Seat, type SeatEvent, type SeatMap as SeatMapData, type SeatState, type Stage, type StandingArea } from './api/client';
import { noteShowVersion, showReadParams } from './showVersions';

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

/**
 * Runs `task` now, or, while a run is in flight (or within `minGapMs` of the last start), once more
 * afterwards however often it was asked for meanwhile: a burst of requests costs at most two runs.
 */
export function coalesce(task: () => Promise<void>, minGapMs = 0): { run(): void; cancel(): void } {
  let running = false;
  let again = false;
  let lastStart = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const start = () => {
    timer = undefined;
    if (cancelled) return;
    const wait = lastStart + minGapMs - Date.now();
    if (wait > 0) {
      timer = setTimeout(start, wait);
      return;
    }
    running = true;
    again = false;
    lastStart = Date.now();
    task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again && !cancelled) start();
      });
  };
  return {
    run() {
      if (running) again = true;
      else if (timer === undefined) start();
    },
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** Standing places are never listed in the map, so their events name ids the map lacks: those are a standing area's. */
export function splitChanges(changes: SeatEvent['seats'], seatIds: ReadonlySet<number>): { seats: SeatEvent['seats']; standing: boolean } {
  const seats = changes.filter((c) => seatIds.has(c.id));
  return { seats, standing: seats.length < changes.length };
}

/** The `version` of an event's data, when it has one (a `resync` no one change caused has none). */
export function eventVersion(data: unknown): number | undefined {
  if (typeof data !== 'string' || !data) return undefined;
  try {
    const v = (JSON.parse(data) as { version?: unknown }).version;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The previous stage when the reloaded one is the same (so the memoised map is not rebuilt for it). */
function sameStage(prev: Stage | null, next: Stage | null): Stage | null {
  if (prev && next && prev.label === next.label && prev.x === next.x && prev.y === next.y) return prev;
  return next;
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
  /** The layout's focal point ("Screen", "Stage"), when it names one. */
  stage: Stage | null;
  /** The show's standing areas with their places left (empty when it has none). */
  standing: StandingArea[];
  statuses: Map<number, SeatState>;
  setStatuses: Dispatch<SetStateAction<Map<number, SeatState>>>;
  /** The map's `currency` when the service names one (read loosely: older services do not). */
  currency: string | undefined;
  /** Whether the event stream is connected. */
  live: boolean;
  reload(): Promise<void>;
  /** Fetch the places left in the standing areas again (coalesced: a burst of calls fetches at most twice). */
  refreshStanding(): void;
}

/** At most one standing refresh a second: each one fetches the whole map (the only place the counts are). */
const STANDING_REFRESH_GAP_MS = 1000;

/**
 * A show's seat map, kept current from its event stream (every fetch asks for at least the show's
 * highest version seen in this tab, see `showVersions.ts`): seat changes newer than the loaded map are
 * applied to `statuses`; a `resync` event reloads the map. Changes of standing places (ids not on the
 * map) refetch the map for the areas' places left, keeping the seats as they are. The handlers may
 * change on every render.
 */
export function useLiveSeatMap(showId: number, handlers: LiveSeatMapHandlers = {}): LiveSeatMap {
  const [seats, setSeats] = useState<Seat[] | null>(null);
  const [stage, setStage] = useState<Stage | null>(null);
  const [currency, setCurrency] = useState<string | undefined>(undefined);
  const [standing, setStanding] = useState<StandingArea[]>([]);
  // The map version the standing counts are from: an older answer never overwrites a newer one.
  const standingVersion = useRef(-1);
  const seatIds = useRef<ReadonlySet<number>>(new Set());
  const [statuses, setStatuses] = useState<Map<number, SeatState>>(() => new Map());
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [live, setLive] = useState(false);
  // Which seat changes the loaded map and the events since have covered.
  const versions = useRef(new SeatVersions(0));
  const on = useRef(handlers);
  on.current = handlers;

  const reload = useCallback(async () => {
    try {
      const map = unwrap(await api.GET('/shows/{id}/seats', { params: showReadParams(showId) }));
      noteShowVersion(showId, map.version);
      versions.current = new SeatVersions(map.version);
      seatIds.current = new Set(map.seats.map((s) => s.id));
      standingVersion.current = map.version;
      setStanding(map.standing ?? []);
      setStage((prev) => sameStage(prev, map.stage ?? null));
      const c = (map as { currency?: unknown }).currency;
      setCurrency(typeof c === 'string' ? c : undefined);
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
    setStage(null);
    setStanding([]);
    standingVersion.current = -1;
    reload();
  }, [reload]);

  const standingRefresher = useRef<ReturnType<typeof coalesce> | null>(null);
  useEffect(() => {
    const r = coalesce(async () => {
      const map = unwrap(await api.GET('/shows/{id}/seats', { params: showReadParams(showId) }));
      noteShowVersion(showId, map.version);
      if (map.version < standingVersion.current) return;
      standingVersion.current = map.version;
      setStanding(map.standing ?? []);
    }, STANDING_REFRESH_GAP_MS);
    standingRefresher.current = r;
    return () => r.cancel();
  }, [showId]);
  const refreshStanding = useCallback(() => standingRefresher.current?.run(), []);

  useEffect(() => {
    if (loadedVersion === null || typeof EventSource === 'undefined') return;
    const es = new EventSource(`${API_BASE}/shows/${showId}/events?since=${loadedVersion}`);
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    es.addEventListener('seats', (ev) => {
      const event = JSON.parse((ev as MessageEvent).data) as SeatEvent;
      noteShowVersion(showId, event.version);
      const changes = versions.current.fresh(event);
      const { seats: fresh, standing: standingChanged } = splitChanges(changes, seatIds.current);
      if (standingChanged) standingRefresher.current?.run();
      if (fresh.length === 0) return;
      setStatuses((prev) => {
        const next = new Map(prev);
        for (const c of fresh) next.set(c.id, c.status as SeatState);
        return next;
      });
      on.current.onChanges?.(fresh);
    });
    es.addEventListener('resync', (ev) => {
      // A change of the show itself carries its version: the map and the show are read at least at it.
      noteShowVersion(showId, eventVersion((ev as MessageEvent).data));
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

  return { seats, stage, standing, statuses, setStatuses, currency, live, reload, refreshStanding };
}
