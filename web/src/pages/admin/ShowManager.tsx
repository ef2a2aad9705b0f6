import { useCallback, useEffect, useRef, useState } from 'react';
import { api, unwrap, type Show } from '../../api/client';
import { problemMessage } from '../../errors';
import { formatDateTime } from '../../format';
import { CancelShow } from './CancelShow';
import { SeatBlocker } from './SeatBlocker';
import { ShowBookings } from './ShowBookings';
import { ShowEditor } from './ShowEditor';
import { ShowReport } from './ShowReport';

export const SHOWS_PAGE = 50;
/** `from` for "include shows that have started" (the list's default is shows not started yet). */
const EPOCH = '1970-01-01T00:00:00Z';

function statusOf(show: Show): string {
  if (show.cancelled_at) return 'Cancelled';
  if (new Date(show.starts_at).getTime() <= Date.now()) return 'Started';
  return 'On sale';
}

/** Everything about one show: edit, cancel, seats off sale, report, bookings. */
function ShowPanel({ show, onChange }: { show: Show; onChange(show: Show): void }) {
  // Bumped after every change made here, so the report and the booking list load again.
  const [revision, setRevision] = useState(0);
  const bump = useCallback(() => setRevision((r) => r + 1), []);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Keyboard and screen-reader users land on the panel of the show they picked.
  useEffect(() => headingRef.current?.focus(), []);

  const cancelled = !!show.cancelled_at;
  return (
    <section className="show-panel" aria-labelledby="panel-h">
      <h2 id="panel-h" ref={headingRef} tabIndex={-1}>
        {show.name}
        {cancelled && <span className="badge badge-cancelled">Cancelled</span>}
      </h2>
      <p className="muted">
        #{show.id} · {show.kind} · {formatDateTime(show.starts_at, show.time_zone)} · {show.time_zone} · {show.total_seats} places ·{' '}
        <a href={`/shows/${show.id}`}>Buyer page</a>
        {!cancelled && (
          <>
            {' · '}
            <a href={`/admin/check-in?show=${show.id}`}>Door check-in</a>
          </>
        )}
      </p>
      <div className="admin-grid">
        {!cancelled && (
          <ShowEditor
            show={show}
            onSaved={(s) => {
              onChange(s);
              bump();
            }}
          />
        )}
        <CancelShow
          show={show}
          onCancelled={(r) => {
            onChange(r.show);
            bump();
          }}
        />
        <ShowReport showId={show.id} revision={revision} currency={show.currency} />
        {!cancelled && <SeatBlocker showId={show.id} onChanged={bump} />}
        <ShowBookings showId={show.id} timeZone={show.time_zone} revision={revision} currency={show.currency} />
      </div>
    </section>
  );
}

/** The shows (paged), and the management panel of the one picked. */
export function ShowManager({ refreshKey = 0 }: { refreshKey?: number }) {
  const [includeStarted, setIncludeStarted] = useState(false);
  const [shows, setShows] = useState<Show[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [current, setCurrent] = useState<Show | null>(null);

  const load = useCallback(
    async (more?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = unwrap(
          await api.GET('/shows', { params: { query: { from: includeStarted ? EPOCH : undefined, limit: SHOWS_PAGE, cursor: more } } }),
        );
        setShows((prev) => {
          if (!more) return page.items;
          const seen = new Set(prev.map((s) => s.id));
          return [...prev, ...page.items.filter((s) => !seen.has(s.id))];
        });
        setCursor(page.next_cursor);
      } catch (e) {
        setError(problemMessage(e));
      } finally {
        setLoading(false);
      }
    },
    [includeStarted],
  );

  useEffect(() => {
    load();
  }, [load, refreshKey]);

  const onChange = (s: Show) => {
    setCurrent(s);
    setShows((all) => all.map((x) => (x.id === s.id ? s : x)));
  };

  return (
    <section aria-labelledby="manage-h">
      <h2 id="manage-h">Manage shows</h2>
      <label className="inline">
        <input type="checkbox" checked={includeStarted} onChange={(e) => setIncludeStarted(e.target.checked)} /> Include shows that have
        started
      </label>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {!loading && shows.length === 0 && !error && <p>No shows.</p>}
      {shows.length > 0 && (
        <table className="bookings admin-shows">
          <thead>
            <tr>
              <th scope="col">Show</th>
              <th scope="col">Kind</th>
              <th scope="col">Starts</th>
              <th scope="col">Places free</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shows.map((s) => (
              <tr key={s.id} aria-current={current?.id === s.id ? 'true' : undefined}>
                <td>{s.name}</td>
                <td>{s.kind}</td>
                <td>{formatDateTime(s.starts_at, s.time_zone)}</td>
                <td>
                  {s.available_seats} of {s.total_seats}
                </td>
                <td className={s.cancelled_at ? 'cancelled' : undefined}>{statusOf(s)}</td>
                <td>
                  <button type="button" aria-label={`Manage ${s.name}, ${formatDateTime(s.starts_at, s.time_zone)}`} onClick={() => setCurrent(s)}>
                    Manage
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => !loading && load(cursor)} aria-busy={loading}>
          Load more shows
        </button>
      )}
      {current && <ShowPanel key={current.id} show={current} onChange={onChange} />}
    </section>
  );
}
