import { useCallback, useEffect, useState } from 'react';
import { api, unwrap, type Booking, type Show } from '../api/client';
import { isNotFound, problemMessage } from '../errors';
import { showReadParams } from '../showVersions';
import { bookingStatus, currencyOf, describePlaces, formatDateTime, formatPrice } from '../format';
import { CancelBooking } from '../components/CancelBooking';
import { Tickets } from '../components/Tickets';

/** Booking ids are UUIDs: anything else cannot be one (and is not sent to the service). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One of the buyer's bookings (`/bookings/{id}`): what, when, status, total and its reference when the service gives one. */
export function BookingPage({ bookingId }: { bookingId: string }) {
  const [booking, setBooking] = useState<Booking | null>(null);
  const [show, setShow] = useState<Show | null>(null);
  const [missing, setMissing] = useState(!UUID.test(bookingId));
  const [failure, setFailure] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!UUID.test(bookingId)) return;
    setFailure(null);
    try {
      const b = unwrap(await api.GET('/bookings/{id}', { params: { path: { id: bookingId } } }));
      setBooking(b);
      const s = await api.GET('/shows/{id}', { params: showReadParams(b.show_id) });
      if (s.data) setShow(s.data);
    } catch (e) {
      if (isNotFound(e)) setMissing(true);
      else setFailure(problemMessage(e));
    }
  }, [bookingId]);

  useEffect(() => {
    load();
  }, [load]);

  if (missing) {
    return (
      <div className="not-found">
        <h1>Booking not found</h1>
        <p>There is no booking of yours with this link: it may be wrong, or the booking belongs to another account.</p>
        <p>
          <a href="/bookings">Back to My bookings</a>
        </p>
      </div>
    );
  }
  if (!booking) {
    return (
      <div className="not-found">
        <h1>{failure ? 'This booking could not be loaded' : 'Loading…'}</h1>
        {failure && (
          <>
            <div className="error" role="alert">
              {failure}
            </div>
            <p>
              <button type="button" onClick={load}>
                Try again
              </button>{' '}
              <a href="/bookings">Back to My bookings</a>
            </p>
          </>
        )}
      </div>
    );
  }
  const reference = (booking as { reference?: unknown }).reference;
  const status = bookingStatus(booking);
  return (
    <div className="not-found">
      <p>
        <a href="/bookings">← My bookings</a>
      </p>
      <h1>Booking {typeof reference === 'string' && reference ? reference : ''}</h1>
      <dl className="booking-facts">
        <dt>Show</dt>
        <dd>
          <a href={`/shows/${booking.show_id}`}>{show?.name ?? `Show ${booking.show_id}`}</a>
        </dd>
        {show && (
          <>
            <dt>When (venue time)</dt>
            <dd>{formatDateTime(show.starts_at, show.time_zone)}</dd>
          </>
        )}
        <dt>Places</dt>
        <dd>{describePlaces(booking.seats)}</dd>
        <dt>Total</dt>
        <dd>{formatPrice(booking.total_cents, currencyOf(booking, show))}</dd>
        <dt>Status</dt>
        <dd className={`bstatus bstatus-${status.key}`}>{status.label}</dd>
      </dl>
      {booking.status !== 'FAILED' && (
        <p>
          <CancelBooking booking={booking} showName={show?.name} label="Cancel booking…" onCancelled={setBooking} />
        </p>
      )}
      <Tickets
        booking={booking}
        kind={show?.kind}
        showName={show?.name}
        when={show && show.kind !== 'appointment' ? formatDateTime(show.starts_at, show.time_zone) : undefined}
        showReference={false}
      />
    </div>
  );
}
