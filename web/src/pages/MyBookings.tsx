import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type Booking } from '../api/client';
import { problemMessage } from '../errors';
import { bookingStatus, formatDateTime, formatPrice } from '../format';

/** Bookings per request; more pages are loaded with "Show more" (`next_cursor`). */
export const PAGE_SIZE = 100;

export function MyBookings() {
  const [items, setItems] = useState<Booking[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const namesRef = useRef(names);
  namesRef.current = names;
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const focusRow = useRef<number | null>(null);

  /** Show names for the bookings' shows that are not known yet. */
  const loadNames = async (page: Booking[]) => {
    const ids = [...new Set(page.map((b) => b.show_id))].filter((id) => !namesRef.current.has(id));
    if (ids.length === 0) return;
    const shows = await Promise.all(ids.map((id) => api.GET('/shows/{id}', { params: { path: { id } } })));
    const found = shows.flatMap((r) => (r.data ? [[r.data.id, r.data.name] as [number, string]] : []));
    setNames((prev) => new Map([...prev, ...found]));
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
        await loadNames(page.items);
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
      await loadNames(page.items);
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

  const cancel = async (id: string) => {
    setError(null);
    try {
      const updated = unwrap(await api.POST('/bookings/{id}/cancel', { params: { path: { id } } }));
      setItems((prev) => prev?.map((b) => (b.id === updated.id ? updated : b)) ?? prev);
    } catch (e) {
      setError(problemMessage(e));
    }
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
        <table className="bookings">
          <thead>
            <tr>
              <th scope="col">Show</th>
              <th scope="col">Seats</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
              <th scope="col">Made</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            {items.map((b) => (
              <tr key={b.id}>
                <td>
                  <a href={`/shows/${b.show_id}`}>{names.get(b.show_id) ?? `Show ${b.show_id}`}</a>
                </td>
                <td>{b.seats.join(', ')}</td>
                <td>{formatPrice(b.total_cents)}</td>
                <td className={`bstatus bstatus-${bookingStatus(b).key}`}>{bookingStatus(b).label}</td>
                <td>{formatDateTime(b.created_at)}</td>
                <td>
                  {b.status !== 'FAILED' && (
                    <button type="button" onClick={() => cancel(b.id)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
