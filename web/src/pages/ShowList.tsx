import { useEffect, useState } from 'react';
import { api, unwrap, type Show, type ShowKind } from '../api/client';
import { problemMessage } from '../errors';
import { currencyOf, formatDateTime, formatPrice, placesLeft } from '../format';

const KINDS: ShowKind[] = ['movie', 'bus', 'appointment', 'event'];

function dayRange(date: string): { from: string; to: string } | undefined {
  if (!date) return undefined;
  const start = new Date(`${date}T00:00:00`);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

export function ShowList() {
  const [kind, setKind] = useState<ShowKind | ''>('');
  const [date, setDate] = useState('');
  const [shows, setShows] = useState<Show[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = async (more?: string) => {
    setLoading(true);
    setError(null);
    try {
      const range = dayRange(date);
      const page = unwrap(
        await api.GET('/shows', {
          params: { query: { kind: kind || undefined, from: range?.from, to: range?.to, limit: 50, cursor: more } },
        }),
      );
      setShows((prev) => (more ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor ?? undefined);
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, date]);

  return (
    <div>
      <h1>Shows</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as ShowKind | '')}>
            <option value="">All kinds</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Date
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        {(kind || date) && (
          <button
            type="button"
            onClick={() => {
              setKind('');
              setDate('');
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {!loading && shows.length === 0 && !error && <p>No shows match these filters.</p>}
      <ul className="show-list">
        {shows.map((s) => {
          const prices = Object.values(s.prices);
          return (
            <li key={s.id} className={s.cancelled_at ? 'show-card show-cancelled' : 'show-card'}>
              <a href={`/shows/${s.id}`}>
                <strong>{s.name}</strong>
                {s.cancelled_at && <span className="sr-only"> (cancelled)</span>}
              </a>
              <div className="muted">
                {s.kind} · {formatDateTime(s.starts_at, s.time_zone)}
              </div>
              {s.cancelled_at ? (
                <div>
                  <span className="cancelled">Cancelled</span>
                </div>
              ) : (
                <div>
                  <span className={s.available_seats === 0 ? 'soldout' : ''}>
                    {placesLeft(s.available_seats, s.total_seats, s.kind === 'appointment' ? 'appointments' : s.kind === 'event' ? 'places' : 'seats')}
                  </span>
                  {prices.length > 0 && <span className="muted"> · from {formatPrice(Math.min(...prices), currencyOf(s))}</span>}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {cursor && (
        <button type="button" onClick={() => load(cursor)} disabled={loading}>
          Load more
        </button>
      )}
    </div>
  );
}
