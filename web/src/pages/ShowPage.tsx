import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, API_BASE, unwrap, type Booking, type Seat, type SeatEvent, type SeatState, type Show } from '../api/client';
import { useAuth } from '../auth';
import { categoryColours } from '../components/categories';
import { Countdown } from '../components/Countdown';
import { SeatList } from '../components/SeatList';
import { Legend, SeatMap } from '../components/SeatMap';
import { problemCode, problemMessage } from '../errors';
import { SeatVersions } from '../liveSeats';
import { formatDateTime, formatList, formatPrice } from '../format';

type Phase = 'held' | 'confirmed' | 'expired' | 'cancelled';
const MAX_SEATS = 10;

export function ShowPage({ showId }: { showId: number }) {
  const { session } = useAuth();
  const [show, setShow] = useState<Show | null>(null);
  const [seats, setSeats] = useState<Seat[] | null>(null);
  const [statuses, setStatuses] = useState<Map<number, SeatState>>(() => new Map());
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [view, setView] = useState<'map' | 'list'>('map');
  const [booking, setBooking] = useState<Booking | null>(null);
  const [phase, setPhase] = useState<Phase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [live, setLive] = useState(false);

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // Which seat changes the loaded map and the events since have covered.
  const seatVersions = useRef(new SeatVersions(0));
  const pendingHold = useRef<Set<number>>(new Set());
  const panelRef = useRef<HTMLElement>(null);

  // Move focus to the booking panel when it changes, so keyboard and screen-reader users hear it.
  useEffect(() => {
    if (phase) panelRef.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [phase, booking?.id]);

  const labelOf = useMemo(() => {
    const m = new Map<number, string>();
    for (const s of seats ?? []) m.set(s.id, s.label);
    return m;
  }, [seats]);
  const byId = useMemo(() => new Map((seats ?? []).map((s) => [s.id, s])), [seats]);
  const colours = useMemo(() => categoryColours((seats ?? []).map((s) => s.category)), [seats]);

  const loadSeats = useCallback(async () => {
    try {
      const map = unwrap(await api.GET('/shows/{id}/seats', { params: { path: { id: showId } } }));
      seatVersions.current = new SeatVersions(map.version);
      setSeats(map.seats);
      setStatuses(new Map(map.seats.map((s) => [s.id, s.status])));
      setLoadedVersion(map.version);
      const free = new Set(map.seats.filter((s) => s.status === 'AVAILABLE').map((s) => s.id));
      setSelected((prev) => {
        const next = new Set([...prev].filter((id) => free.has(id)));
        return next.size === prev.size ? prev : next;
      });
    } catch (e) {
      setError(problemMessage(e));
    }
  }, [showId]);

  useEffect(() => {
    let gone = false;
    setShow(null);
    setSeats(null);
    api.GET('/shows/{id}', { params: { path: { id: showId } } }).then(
      (r) => {
        if (gone) return;
        try {
          setShow(unwrap(r));
        } catch (e) {
          setError(problemMessage(e));
        }
      },
      (e) => !gone && setError(problemMessage(e)),
    );
    loadSeats();
    return () => {
      gone = true;
    };
  }, [showId, loadSeats]);

  // Live updates: apply seat status changes newer than the loaded map; reload on `resync`.
  useEffect(() => {
    if (loadedVersion === null || typeof EventSource === 'undefined') return;
    const es = new EventSource(`${API_BASE}/shows/${showId}/events?since=${loadedVersion}`);
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    es.addEventListener('seats', (ev) => {
      const data = JSON.parse((ev as MessageEvent).data) as SeatEvent;
      const fresh = seatVersions.current.fresh(data);
      if (fresh.length === 0) return;
      setStatuses((prev) => {
        const next = new Map(prev);
        for (const c of fresh) next.set(c.id, c.status as SeatState);
        return next;
      });
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
    });
    es.addEventListener('resync', () => {
      es.close();
      loadSeats();
    });
    return () => {
      es.close();
      setLive(false);
    };
  }, [showId, loadedVersion, loadSeats, labelOf]);

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
          setPhase(b.failure_reason === 'CANCELLED' ? 'cancelled' : 'expired');
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
          {show.kind} · {formatDateTime(show.starts_at)} · {availableNow} of {seatCount || show.total_seats} seats left ·{' '}
          <span className={live ? 'live-on' : 'live-off'}>{live ? '● live' : '○ connecting…'}</span>
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
            <fieldset className="view-switch">
              <legend className="sr-only">View</legend>
              <label>
                <input type="radio" name="view" checked={view === 'map'} onChange={() => setView('map')} /> Seat map
              </label>
              <label>
                <input type="radio" name="view" checked={view === 'list'} onChange={() => setView('list')} /> List of available seats
              </label>
            </fieldset>
            <Legend colours={colours} prices={show?.prices ?? {}} />
          </div>

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

          {view === 'map' ? (
            <SeatMap seats={seats} statuses={statuses} selected={selected} colours={colours} onToggle={onToggle} />
          ) : (
            <SeatList seats={seats} statuses={statuses} selected={selected} onToggle={onToggle} />
          )}
        </>
      )}
    </div>
  );
}
