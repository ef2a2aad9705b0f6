import { useEffect, useState } from 'react';
import { api, unwrap, type Booking } from '../api/client';
import { problemMessage } from '../errors';
import { formatDateTime, formatPrice } from '../format';

export function MyBookings() {
  const [items, setItems] = useState<Booking[] | null>(null);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const page = unwrap(await api.GET('/bookings', { params: { query: { limit: 100 } } }));
      setItems(page.items);
      const ids = [...new Set(page.items.map((b) => b.show_id))];
      const shows = await Promise.all(ids.map((id) => api.GET('/shows/{id}', { params: { path: { id } } })));
      setNames(new Map(shows.flatMap((r) => (r.data ? [[r.data.id, r.data.name] as [number, string]] : []))));
    } catch (e) {
      setError(problemMessage(e));
    }
  };

  useEffect(() => {
    load();
  }, []);

  const cancel = async (id: string) => {
    setError(null);
    try {
      unwrap(await api.POST('/bookings/{id}/cancel', { params: { path: { id } } }));
      await load();
    } catch (e) {
      setError(problemMessage(e));
    }
  };

  const describe = (b: Booking) =>
    b.status === 'FAILED' ? (b.failure_reason === 'EXPIRED' ? 'expired' : 'cancelled') : b.status === 'PENDING' ? 'held' : 'confirmed';

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
          <tbody>
            {items.map((b) => (
              <tr key={b.id}>
                <td>
                  <a href={`#/shows/${b.show_id}`}>{names.get(b.show_id) ?? `Show ${b.show_id}`}</a>
                </td>
                <td>{b.seats.join(', ')}</td>
                <td>{formatPrice(b.total_cents)}</td>
                <td className={`bstatus bstatus-${describe(b)}`}>{describe(b)}</td>
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
    </div>
  );
}
