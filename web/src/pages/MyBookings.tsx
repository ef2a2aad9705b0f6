import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Booking, type Seat, type Show } from '../api/client';
import { problemMessage } from '../errors';
import { noteShowVersion, showReadParams } from '../showVersions';
import { bookingStatus, currencyOf, describePlaces, formatDateTime, formatPrice } from '../format';
import { formatDayInZone, formatTimeRange, zoneLabel } from '../timeZone';
import { CancelBooking } from '../components/CancelBooking';
import { Tickets } from '../components/Tickets';

/** Bookings per request; more pages are loaded with "Show more" (`next_cursor`). */
export const PAGE_SIZE = 100;

/**
 * When a booking is for, at the venue and with its zone: an appointment's own times (from its show's
 * seat map), otherwise the show's start. Empty until the show is known.
 */
export function bookingWhen(b: Booking, show: Show | undefined, slots: ReadonlyMap<number, Seat> | undefined): string {
  if (!show) return '';
  const tz = show.time_zone || 'UTC';
  const mine = b.seat_ids.map((id) => slots?.get(id)).filter((s): s is Seat => !!s?.starts_at && !!s.ends_at);
  if (mine.length > 0 && mine.length === b.seat_ids.length) {
    return mine
      .map((s) => `${formatDayInZone(s.starts_at!, tz)}, ${formatTimeRange(s.starts_at!, s.ends_at!, tz)} ${zoneLabel(s.starts_at!, tz)}`)
      .join('; ');
  }
  return formatDateTime(show.starts_at, tz);
}

/** A booking's short reference, when the service gives one. */
export function bookingReference(b: Booking): string | undefined {
  const r = (b as { reference?: unknown }).reference;
  return typeof r === 'string' && r ? r : undefined;
}

export function MyBookings() {
  const [items, setItems] = useState<Booking[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  // The bookings' shows (name, venue time zone), fetched once per show id.
  const [shows, setShows] = useState<Map<number, Show>>(new Map());
  // Appointment shows' slots (seat id → slot with its times), fetched once per show.
  const [slots, setSlots] = useState<Map<number, Map<number, Seat>>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(new Set<number>());
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const focusRow = useRef<number | null>(null);

  /** The bookings' shows not asked for yet, and the slots of those that are appointments. */
  const loadShows = async (page: Booking[]) => {
    const ids = [...new Set(page.map((b) => b.show_id))].filter((id) => !asked.current.has(id));
    if (ids.length === 0) return;
    for (const id of ids) asked.current.add(id);
    const answers = await Promise.all(ids.map((id) => api.GET('/shows/{id}', { params: showReadParams(id) })));
    const found = answers.flatMap((r) => (r.data ? [r.data] : []));
    setShows((prev) => new Map([...prev, ...found.map((s) => [s.id, s] as [number, Show])]));
    const appointments = found.filter((s) => s.kind === 'appointment');
    const maps = await Promise.all(appointments.map((s) => api.GET('/shows/{id}/seats', { params: showReadParams(s.id) })));
    for (const r of maps) if (r.data) noteShowVersion(r.data.show_id, r.data.version);
    const slotMaps = maps.flatMap((r) =>
      r.data ? [[r.data.show_id, new Map(r.data.seats.filter((s) => s.starts_at).map((s) => [s.id, s]))] as [number, Map<number, Seat>]] : [],
    );
    if (slotMaps.length > 0) setSlots((prev) => new Map([...prev, ...slotMaps]));
  };

  const fetchPage = async (cursor?: string) => unwrap(await api.GET('/bookings', { params: { query: { limit: PAGE_SIZE, cursor } } }));

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const page = await fetchPage();
        if (!live) return;
        setItems(page.items);
        setNextCursor(page.next_cursor);
        await loadShows(page.items);
      } catch (e) {
        if (live) setError(problemMessage(e));
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const showMore = async () => {
    if (!nextCursor || loadingMore) return;
    setError(null);
    setLoadingMore(true);
    try {
      const page = await fetchPage(nextCursor);
      focusRow.current = items?.length ?? 0;
      // Never list a booking twice, whatever changed between the two requests.
      setItems((prev) => {
        const seen = new Set((prev ?? []).map((b) => b.id));
        return [...(prev ?? []), ...page.items.filter((b) => !seen.has(b.id))];
      });
      setNextCursor(page.next_cursor);
      await loadShows(page.items);
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setLoadingMore(false);
    }
  };

  // After "Show more", keyboard focus goes to the first newly listed booking.
  useEffect(() => {
    if (focusRow.current === null || !items) return;
    const link = bodyRef.current?.rows[focusRow.current]?.querySelector('a');
    focusRow.current = null;
    link?.focus();
  }, [items]);

  // Cancelled through CancelBooking (which asks first): the row takes the service's answer.
  const cancelled = (updated: Booking) => {
    setError(null);
    setItems((prev) => prev?.map((b) => (b.id === updated.id ? { ...b, ...updated } : b)) ?? prev);
  };

  return (
    <div>
      <h1>My bookings</h1>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {items && items.length === 0 && <p>No bookings yet.</p>}
      {items && items.length > 0 && (
        <div className="table-scroll">
        <table className="bookings">
          <thead>
            <tr>
              <th scope="col">Show</th>
              <th scope="col">When (venue time)</th>
              <th scope="col">Places</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
              <th scope="col">Made</th>
              <th scope="col">Booking</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            {items.map((b) => {
              const show = shows.get(b.show_id);
              return (
                <tr key={b.id}>
                  <td>
                    <a href={`/shows/${b.show_id}`}>{show?.name ?? `Show ${b.show_id}`}</a>
                  </td>
                  <td>{bookingWhen(b, show, slots.get(b.show_id))}</td>
                  <td>{describePlaces(b.seats)}</td>
                  <td>{formatPrice(b.total_cents, currencyOf(b, show))}</td>
                  <td className={`bstatus bstatus-${bookingStatus(b).key}`}>{bookingStatus(b).label}</td>
                  <td>{show ? formatDateTime(b.created_at, show.time_zone) : ''}</td>
                  <td>
                    <a href={`/bookings/${b.id}`} aria-label={bookingReference(b) ? `Booking ${bookingReference(b)}` : 'Booking details'}>
                      {bookingReference(b) ?? 'Details'}
                    </a>
                    {b.status === 'CONFIRMED' && b.tickets?.length > 0 && (
                      <details className="booking-tickets">
                        <summary>{b.tickets.length === 1 ? 'Show ticket' : `Show ${b.tickets.length} tickets`}</summary>
                        <Tickets booking={b} kind={show?.kind} showName={show?.name} headingLevel={3} showReference={false} />
                      </details>
                    )}
                  </td>
                  <td>
                    {b.status !== 'FAILED' && (
                      <CancelBooking booking={b} showName={show?.name} onCancelled={cancelled} />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
      )}
      {items && nextCursor && (
        <p>
          {/* Not disabled while loading, so keyboard focus stays on it; showMore ignores repeats. */}
          <button type="button" onClick={showMore} aria-busy={loadingMore}>
            {loadingMore ? 'Loading…' : 'Show more'}
          </button>
        </p>
      )}
    </div>
  );
}
