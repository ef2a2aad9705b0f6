import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, unwrap, type Booking, type Seat, type Show } from '../api/client';
import { useAuth } from '../auth';
import { categoryColours } from '../components/categories';
import { Countdown } from '../components/Countdown';
import { SeatList } from '../components/SeatList';
import { Legend, SeatMap } from '../components/SeatMap';
import { problemCode, problemMessage } from '../errors';
import { useLiveSeatMap } from '../liveSeats';
import { formatDateTime, formatList, formatPrice } from '../format';

type Phase = 'held' | 'confirmed' | 'expired' | 'cancelled' | 'show-cancelled';
const MAX_SEATS = 10;
const nothingSelectable = () => false;

/** The panel phase of a failed booking. */
function failedPhase(b: Booking): Phase {
  return b.failure_reason === 'SHOW_CANCELLED' ? 'show-cancelled' : b.failure_reason === 'CANCELLED' ? 'cancelled' : 'expired';
}

export function ShowPage({ showId }: { showId: number }) {
  const { session } = useAuth();
  const [show, setShow] = useState<Show | null>(null);
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [view, setView] = useState<'map' | 'list'>('map');
  const [booking, setBooking] = useState<Booking | null>(null);
  const [phase, setPhase] = useState<Phase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const pendingHold = useRef<Set<number>>(new Set());
  const panelRef = useRef<HTMLElement>(null);

  // Move focus to the booking panel when it changes, so keyboard and screen-reader users hear it.
  useEffect(() => {
    if (phase) panelRef.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [phase, booking?.id]);

  const shownRef = useRef<Show | null>(null);
  const loadShow = useCallback(async () => {
    try {
      const s = unwrap(await api.GET('/shows/{id}', { params: { path: { id: showId } } }));
      // Cancelled while this page was open: say so in the live region too.
      if (shownRef.current && !shownRef.current.cancelled_at && s.cancelled_at) setNotice('This show has just been cancelled.');
      shownRef.current = s;
      setShow(s);
    } catch (e) {
      setError(problemMessage(e));
    }
  }, [showId]);

  // The seat map, live. A `resync` (prices, name, time or the show's cancellation changed) reloads the show too.
  const { seats, statuses, setStatuses, live, reload: loadSeats } = useLiveSeatMap(showId, {
    onLoaded(map) {
      const free = new Set(map.seats.filter((s) => s.status === 'AVAILABLE').map((s) => s.id));
      setSelected((prev) => {
        const next = new Set([...prev].filter((id) => free.has(id)));
        return next.size === prev.size ? prev : next;
      });
    },
    onChanges(fresh) {
      const taken = fresh
        .filter((c) => c.status !== 'AVAILABLE' && selectedRef.current.has(c.id) && !pendingHold.current.has(c.id))
        .map((c) => c.id);
      if (taken.length > 0) {
        setSelected((prev) => new Set([...prev].filter((id) => !taken.includes(id))));
        const l = taken.map((id) => labelOf.get(id) ?? `#${id}`);
        setNotice(
          taken.length === 1
            ? `Seat ${l[0]} was just taken by someone else and has been removed from your selection.`
            : `Seats ${formatList(l)} were just taken by someone else and have been removed from your selection.`,
        );
      }
    },
    onResync: loadShow,
    onError: (e) => setError(problemMessage(e)),
  });

  const labelOf = useMemo(() => {
    const m = new Map<number, string>();
    for (const s of seats ?? []) m.set(s.id, s.label);
    return m;
  }, [seats]);
  const byId = useMemo(() => new Map((seats ?? []).map((s) => [s.id, s])), [seats]);
  const colours = useMemo(() => categoryColours((seats ?? []).map((s) => s.category)), [seats]);

  useEffect(() => {
    shownRef.current = null;
    setShow(null);
    loadShow();
  }, [loadShow]);

  const cancelled = !!show?.cancelled_at;
  // The show was cancelled while this page had a booking on it: say what became of the booking.
  const bookingId = booking?.id;
  const bookingLive = phase === 'held' || phase === 'confirmed';
  useEffect(() => {
    if (!cancelled || !bookingId || !bookingLive) return;
    let gone = false;
    api.GET('/bookings/{id}', { params: { path: { id: bookingId } } }).then(
      (r) => {
        if (gone || !r.data || r.data.status !== 'FAILED') return;
        setBooking(r.data);
        setPhase(failedPhase(r.data));
      },
      () => undefined, // the panel stays as it was; the banner says the show was cancelled
    );
    return () => {
      gone = true;
    };
  }, [cancelled, bookingId, bookingLive]);
  useEffect(() => {
    if (cancelled) setSelected((prev) => (prev.size ? new Set() : prev));
  }, [cancelled]);

  const onToggle = useCallback((id: number) => {
    setNotice(null);
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else if (next.size < MAX_SEATS) next.add(id);
      else {
        setNotice(`You can hold at most ${MAX_SEATS} seats at a time.`);
        return prev;
      }
      return next;
    });
  }, []);

  const hold = async (ids: number[]) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    pendingHold.current = new Set(ids);
    try {
      const b = unwrap(await api.POST('/bookings', { body: { show_id: showId, seat_ids: ids } }));
      setBooking(b);
      setPhase('held');
      setSelected(new Set());
      setStatuses((prev) => {
        const next = new Map(prev);
        for (const id of b.seat_ids) next.set(id, 'HELD');
        return next;
      });
    } catch (e) {
      setError(problemMessage(e, labelOf));
      if (problemCode(e) === 'show_cancelled') loadShow();
      if (problemCode(e) === 'seats_unavailable') {
        const gone = new Set((e as { problem: { unavailable_seat_ids?: number[] } }).problem.unavailable_seat_ids ?? []);
        setSelected((prev) => new Set([...prev].filter((id) => !gone.has(id))));
        loadSeats(); // show their real status even if the live stream is down
      }
    } finally {
      pendingHold.current = new Set();
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!booking) return;
    setBusy(true);
    setError(null);
    try {
      const b = unwrap(await api.POST('/bookings/{id}/confirm', { params: { path: { id: booking.id } } }));
      setBooking(b);
      setPhase('confirmed');
    } catch (e) {
      if (problemCode(e) === 'booking_expired') setPhase('expired');
      else if (problemCode(e) === 'show_cancelled') loadShow(); // the effect above shows what became of the booking
      else setError(problemMessage(e, labelOf));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!booking) return;
    setBusy(true);
    setError(null);
    try {
      const b = unwrap(await api.POST('/bookings/{id}/cancel', { params: { path: { id: booking.id } } }));
      setBooking(b);
      setPhase('cancelled');
    } catch (e) {
      setError(problemMessage(e, labelOf));
    } finally {
      setBusy(false);
    }
  };

  // When the countdown ends, ask the server (its clock decides) whether the hold lapsed.
  const onExpire = useCallback(() => {
    if (!booking) return;
    const id = booking.id;
    let tries = 0;
    const check = async () => {
      try {
        const b = unwrap(await api.GET('/bookings/{id}', { params: { path: { id } } }));
        if (b.status === 'FAILED') {
          setBooking(b);
          setPhase(failedPhase(b));
        } else if (b.status === 'PENDING' && tries++ < 10) setTimeout(check, 1000);
      } catch {
        if (tries++ < 10) setTimeout(check, 1000);
      }
    };
    check();
  }, [booking]);

  const selectedSeats = [...selected].map((id) => byId.get(id)).filter((s): s is Seat => !!s);
  const total = selectedSeats.reduce((sum, s) => sum + s.price_cents, 0);
  const seatCount = seats?.length ?? 0;
  const availableNow = useMemo(() => {
    let n = 0;
    for (const st of statuses.values()) if (st === 'AVAILABLE') n++;
    return n;
  }, [statuses]);

  return (
    <div className="show-page">
      <p>
        <a href="/">← All shows</a>
      </p>
      <h1>{show ? show.name : 'Loading…'}</h1>
      {show && (
        <p className="muted">
          {show.kind} · {formatDateTime(show.starts_at)} ·{' '}
          {cancelled ? '' : `${availableNow} of ${seatCount || show.total_seats} seats left · `}
          <span className={live ? 'live-on' : 'live-off'}>{live ? '● live' : '○ connecting…'}</span>
        </p>
      )}
      {cancelled && (
        <p className="cancelled-banner">
          <strong>Cancelled</strong> — this show will not take place. Its seats can no longer be held or booked; bookings made for it were
          cancelled.
        </p>
      )}

      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <div className="notice" role="status" aria-live="polite">
        {notice}
      </div>

      {booking && phase && (
        <section ref={panelRef} className={`booking-panel booking-${phase}`} aria-label="Your booking">
          {phase === 'held' && (
            <>
              <h2 tabIndex={-1}>Seats held: {booking.seats.join(', ')}</h2>
              <p>
                Total {formatPrice(booking.total_cents)}. Your hold ends in <Countdown until={booking.expires_at} onExpire={onExpire} /> — confirm before
                then.
              </p>
              <button type="button" className="primary" onClick={confirm} disabled={busy}>
                Confirm booking
              </button>{' '}
              <button type="button" onClick={cancel} disabled={busy}>
                Cancel hold
              </button>
            </>
          )}
          {phase === 'confirmed' && (
            <>
              <h2 tabIndex={-1}>Booked: {booking.seats.join(', ')}</h2>
              <p>
                Confirmed. Total {formatPrice(booking.total_cents)}. See <a href="/bookings">My bookings</a>.
              </p>
              <button type="button" onClick={cancel} disabled={busy}>
                Cancel booking
              </button>
            </>
          )}
          {phase === 'expired' && (
            <>
              <h2 tabIndex={-1}>Your hold expired</h2>
              <p>
                The hold on {booking.seats.join(', ')} expired before it was confirmed, so the seats were released. You can try to hold them
                again.
              </p>
              <button type="button" className="primary" onClick={() => hold(booking.seat_ids)} disabled={busy}>
                Try again
              </button>{' '}
              <button type="button" onClick={() => setBooking(null)}>
                Dismiss
              </button>
            </>
          )}
          {phase === 'show-cancelled' && (
            <>
              <h2 tabIndex={-1}>Show cancelled</h2>
              <p>The show was cancelled, so your booking of {booking.seats.join(', ')} was cancelled too.</p>
              <button type="button" onClick={() => setBooking(null)}>
                Dismiss
              </button>
            </>
          )}
          {phase === 'cancelled' && (
            <>
              <h2 tabIndex={-1}>Cancelled</h2>
              <p>Seats {booking.seats.join(', ')} were released.</p>
              <button type="button" onClick={() => setBooking(null)}>
                Dismiss
              </button>
            </>
          )}
        </section>
      )}

      {seats && (
        <>
          <div className="toolbar">
            {!cancelled && (
              <fieldset className="view-switch">
                <legend className="sr-only">View</legend>
                <label>
                  <input type="radio" name="view" checked={view === 'map'} onChange={() => setView('map')} /> Seat map
                </label>
                <label>
                  <input type="radio" name="view" checked={view === 'list'} onChange={() => setView('list')} /> List of available seats
                </label>
              </fieldset>
            )}
            <Legend colours={colours} prices={show?.prices ?? {}} />
          </div>

          {!cancelled && (
            <div className="selection-bar">
              <span>
                {selectedSeats.length === 0
                  ? 'No seats selected.'
                  : `Selected: ${selectedSeats.map((s) => s.label).join(', ')} — total ${formatPrice(total)}`}
              </span>{' '}
              {session ? (
                <button
                  type="button"
                  className="primary"
                  disabled={busy || selectedSeats.length === 0 || phase === 'held'}
                  onClick={() => hold(selectedSeats.map((s) => s.id))}
                >
                  Hold {selectedSeats.length > 0 ? `${selectedSeats.length} seat${selectedSeats.length > 1 ? 's' : ''}` : 'seats'}
                </button>
              ) : (
                <a href="/login">Sign in to hold seats</a>
              )}
              {phase === 'held' && <span className="muted"> (confirm or cancel your current hold first)</span>}
            </div>
          )}

          {cancelled ? (
            <div className="seats-closed">
              <SeatMap seats={seats} statuses={statuses} selected={selected} colours={colours} onToggle={onToggle} selectable={nothingSelectable} />
            </div>
          ) : view === 'map' ? (
            <SeatMap seats={seats} statuses={statuses} selected={selected} colours={colours} onToggle={onToggle} />
          ) : (
            <SeatList seats={seats} statuses={statuses} selected={selected} onToggle={onToggle} />
          )}
        </>
      )}
    </div>
  );
}
