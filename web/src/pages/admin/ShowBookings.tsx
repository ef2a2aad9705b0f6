import { useCallback, useEffect, useRef, useState } from 'react';
import { api, unwrap, type BookingState, type BoxOfficeBooking } from '../../api/client';
import { problemMessage } from '../../errors';
import { bookingStatus, currencyOf, describePlaces, formatDateTime, formatPrice } from '../../format';

export const BOOKINGS_PAGE = 50;

const FILTERS: { value: BookingState | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'CONFIRMED', label: 'Confirmed' },
  { value: 'PENDING', label: 'Held' },
  { value: 'FAILED', label: 'Failed (expired or cancelled)' },
];

/** The show's bookings with buyers' e-mails, newest first, by status; "Show more" pages on. */
export function ShowBookings({ showId, timeZone, revision, currency }: { showId: number; timeZone: string; revision: number; currency?: string }) {
  const [status, setStatus] = useState<BookingState | ''>('');
  const [items, setItems] = useState<BoxOfficeBooking[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const focusRow = useRef<number | null>(null);
  // Bumped on every first-page load, so a "Show more" answer for an older filter is dropped.
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (cursor?: string) =>
      unwrap(
        await api.GET('/admin/shows/{id}/bookings', {
          params: { path: { id: showId }, query: { status: status || undefined, limit: BOOKINGS_PAGE, cursor } },
        }),
      ),
    [showId, status],
  );

  useEffect(() => {
    let live = true;
    generation.current++;
    setError(null);
    fetchPage().then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setNextCursor(page.next_cursor);
      },
      (e) => live && setError(problemMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [fetchPage, revision]);

  const showMore = async () => {
    if (!nextCursor || loadingMore) return;
    setError(null);
    setLoadingMore(true);
    const gen = generation.current;
    try {
      const page = await fetchPage(nextCursor);
      if (gen !== generation.current) return;
      focusRow.current = items?.length ?? 0;
      setItems((prev) => {
        const seen = new Set((prev ?? []).map((b) => b.id));
        return [...(prev ?? []), ...page.items.filter((b) => !seen.has(b.id))];
      });
      setNextCursor(page.next_cursor);
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setLoadingMore(false);
    }
  };

  // After "Show more", keyboard focus goes to the first newly listed booking.
  useEffect(() => {
    if (focusRow.current === null || !items) return;
    const row = bodyRef.current?.rows[focusRow.current];
    focusRow.current = null;
    row?.focus();
  }, [items]);

  return (
    <section aria-labelledby="bookings-h" className="admin-card admin-wide">
      <h3 id="bookings-h">Bookings</h3>
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.target.value as BookingState | '')}>
          {FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {items && items.length === 0 && <p>No bookings{status ? ' with this status' : ''}.</p>}
      {items && items.length > 0 && (
        <table className="bookings">
          <thead>
            <tr>
              <th scope="col">Buyer</th>
              <th scope="col">Status</th>
              <th scope="col">Seats</th>
              <th scope="col">Total</th>
              <th scope="col">Made</th>
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            {items.map((b) => {
              const st = bookingStatus(b);
              return (
                <tr key={b.id} tabIndex={-1}>
                  <td>{b.email}</td>
                  <td className={`bstatus bstatus-${st.key}`}>{st.label}</td>
                  <td>{describePlaces(b.seats)}</td>
                  <td>{formatPrice(b.total_cents, currencyOf(b, { currency }))}</td>
                  <td>{formatDateTime(b.created_at, timeZone)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {items && nextCursor && (
        <p>
          {/* Not disabled while loading, so keyboard focus stays on it; showMore ignores repeats. */}
          <button type="button" onClick={showMore} aria-busy={loadingMore}>
            Show more bookings
          </button>
        </p>
      )}
    </section>
  );
}
