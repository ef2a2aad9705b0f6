import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, unwrap, type Booking, type Seat, type Show, type StandingArea } from '../api/client';
import { useAuth } from '../auth';
import { AppointmentList } from '../components/AppointmentList';
import { BestAvailable, type BestRequest } from '../components/BestAvailable';
import { categoryColours } from '../components/categories';
import { Countdown } from '../components/Countdown';
import { markWindowSeats } from '../components/mapGeometry';
import { SeatList } from '../components/SeatList';
import { Legend, SeatMap } from '../components/SeatMap';
import { focusStandingPicker, StandingAreas } from '../components/StandingAreas';
import { isNotFound, problemCode, problemMessage, type PlaceNoun } from '../errors';
import { useLiveSeatMap } from '../liveSeats';
import { countOf, currencyOf, describePlaces, formatDateTime, formatList, formatPrice, placesLeft } from '../format';
import { loadPending, restorable, savePending } from '../pendingSelection';
import { noteWrite, showReadParams } from '../showVersions';
import { formatDayInZone, formatTimeRange, zoneLabel } from '../timeZone';

type Phase = 'held' | 'confirmed' | 'expired' | 'cancelled' | 'show-cancelled';
const MAX_SEATS = 10;
const nothingSelectable = () => false;

/** What a hold asks for: seats (or appointment times) by id, places of a standing area, or "best available" seats. */
type HoldRequest = { seat_ids: number[] } | { quantity: number; section: string } | BestRequest;
const isStandingRequest = (r: HoldRequest): r is { quantity: number; section: string } => 'section' in r;
const isBestRequest = (r: HoldRequest): r is BestRequest => 'quantity' in r && !('section' in r);

/** How the booking panel names a booking's places: a noun for its headings and the places themselves. */
export function describeBooking(
  booking: Pick<Booking, 'seat_ids' | 'seats'>,
  byId: ReadonlyMap<number, Seat>,
  standing: readonly StandingArea[],
  timeZone: string,
): { noun: string; what: string } {
  const seats = booking.seat_ids.map((id) => byId.get(id));
  if (seats.length > 0 && seats.every((s) => s?.starts_at && s.ends_at)) {
    // Appointments: whose, and when at the venue.
    const what = (seats as Seat[])
      .map((s) => `${s.section}, ${formatDayInZone(s.starts_at!, timeZone)}, ${formatTimeRange(s.starts_at!, s.ends_at!, timeZone)} ${zoneLabel(s.starts_at!, timeZone)}`)
      .join('; ');
    return { noun: seats.length === 1 ? 'Appointment' : 'Appointments', what };
  }
  if (seats.some((s) => !s) && standing.length > 0) {
    // Places of a standing area are not on the map: counted per area.
    return { noun: 'Places', what: describePlaces(booking.seats, new Set(standing.map((a) => a.section))) };
  }
  return { noun: 'Seats', what: booking.seats.join(', ') };
}

/** The panel phase of a failed booking. */
function failedPhase(b: Booking): Phase {
  return b.failure_reason === 'SHOW_CANCELLED' ? 'show-cancelled' : b.failure_reason === 'CANCELLED' ? 'cancelled' : 'expired';
}

/**
 * What the page says when a selection kept across signing in comes back: which seats (or times) were
 * taken meanwhile, and which are still selected.
 */
export function restoredNotice(free: readonly string[], taken: readonly string[], noun: PlaceNoun): string {
  const appointment = noun === 'appointment';
  const name = (l: readonly string[]) => (appointment ? formatList(l) : `${l.length === 1 ? 'Seat' : 'Seats'} ${formatList(l)}`);
  const parts: string[] = [];
  if (taken.length > 0) parts.push(`${name(taken)} ${taken.length === 1 ? 'was' : 'were'} taken while you were signing in.`);
  if (free.length > 0) parts.push(`${name(free)} ${free.length === 1 ? 'is' : 'are'} still selected for you.`);
  else parts.push(appointment ? 'Pick another time.' : 'Pick other seats.');
  return parts.join(' ');
}

/** The show page: the show, its seats (map, list, standing areas or appointment times) and the buyer's booking. */
export function ShowPage({ showId }: { showId: number }) {
  const { session } = useAuth();
  const [show, setShow] = useState<Show | null>(null);
  // The show does not exist (404), or could not be loaded at all (network, 500): said instead of "Loading…".
  const [missing, setMissing] = useState(false);
  const [loadFailure, setLoadFailure] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [view, setView] = useState<'map' | 'list'>('map');
  const [booking, setBooking] = useState<Booking | null>(null);
  const [phase, setPhase] = useState<Phase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Places picked in a standing area (kept across signing in).
  const [standingPick, setStandingPick] = useState<{ section: string; quantity: number } | null>(null);
  // Seats to bring into view on the map (the ones best available just held).
  const [reveal, setReveal] = useState<number[] | null>(null);

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const pendingHold = useRef<Set<number>>(new Set());
  // What the booking in the panel asked for, so "Try again" asks the same (standing places by quantity).
  const lastRequest = useRef<HoldRequest | null>(null);
  const panelRef = useRef<HTMLElement>(null);
  // Whether a selection kept across signing in has been looked for (nothing is saved before that).
  const restored = useRef(false);
  // The seat map could not be loaded (the show could): said, with "Try again".
  const [seatsFailure, setSeatsFailure] = useState<string | null>(null);
  const seatsLoaded = useRef(false);

  // Move focus to the booking panel when it changes, so keyboard and screen-reader users hear it.
  useEffect(() => {
    if (phase) panelRef.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [phase, booking?.id]);

  const shownRef = useRef<Show | null>(null);
  const loadShow = useCallback(async () => {
    try {
      // At least the buyer's own last hold, confirm or cancel (and whatever the map and stream showed).
      const s = unwrap(await api.GET('/shows/{id}', { params: showReadParams(showId) }));
      // Cancelled while this page was open: say so in the live region too.
      if (shownRef.current && !shownRef.current.cancelled_at && s.cancelled_at) setNotice('This show has just been cancelled.');
      shownRef.current = s;
      setShow(s);
      setLoadFailure(null);
    } catch (e) {
      if (isNotFound(e)) setMissing(true);
      else if (!shownRef.current) setLoadFailure(problemMessage(e));
      else setError(problemMessage(e));
    }
  }, [showId]);

  // The seat map, live. A `resync` (prices, name, time or the show's cancellation changed) reloads the show too.
  const {
    seats,
    stage,
    standing,
    statuses,
    setStatuses,
    currency: mapCurrency,
    live,
    reload: loadSeats,
    refreshStanding,
  } = useLiveSeatMap(showId, {
    onLoaded(map) {
      const free = new Set(map.seats.filter((s) => s.status === 'AVAILABLE').map((s) => s.id));
      setSelected((prev) => {
        const next = new Set([...prev].filter((id) => free.has(id)));
        return next.size === prev.size ? prev : next;
      });
      setSeatsFailure(null);
      if (!restored.current) {
        // A selection kept while the buyer signed in (or registered): the seats still free come back.
        restored.current = true;
        const pending = loadPending(showId);
        if (pending) {
          const status = new Map(map.seats.map((s) => [s.id, s.status]));
          const { free: back, taken } = restorable(pending, (id) => status.get(id));
          const slots = map.seats.some((s) => s.starts_at) && !map.seats.some((s) => !s.starts_at);
          const keep = slots ? back.slice(0, 1) : back;
          if (keep.length > 0) setSelected(new Set(keep));
          const label = new Map(pending.seats.map((s) => [s.id, s.label]));
          if (pending.seats.length > 0) setNotice(restoredNotice(keep.map((id) => label.get(id)!), taken, slots ? 'appointment' : 'seat'));
          const area = pending.standing && (map.standing ?? []).find((a) => a.section === pending.standing!.section);
          if (pending.standing && area) {
            const q = Math.min(pending.standing.quantity, area.available);
            if (q > 0) setStandingPick({ section: area.section, quantity: q });
            if (pending.seats.length === 0)
              setNotice(
                q >= pending.standing.quantity
                  ? `${countOf(q, 'place')} in ${area.section} ${q === 1 ? 'is' : 'are'} still picked for you.`
                  : q > 0
                    ? `Only ${q} of the ${pending.standing.quantity} places you picked in ${area.section} are left.`
                    : `The places in ${area.section} sold out while you were signing in.`,
              );
          }
        }
      }
    },
    onChanges(fresh) {
      const taken = fresh
        .filter((c) => c.status !== 'AVAILABLE' && selectedRef.current.has(c.id) && !pendingHold.current.has(c.id))
        .map((c) => c.id);
      if (taken.length > 0) {
        setSelected((prev) => new Set([...prev].filter((id) => !taken.includes(id))));
        const l = taken.map((id) => labelOf.get(id) ?? `#${id}`);
        const [one, many] = nounRef.current === 'appointment' ? ['', ''] : ['Seat ', 'Seats '];
        setNotice(
          taken.length === 1
            ? `${one}${l[0]} was just taken by someone else and has been removed from your selection.`
            : `${many}${formatList(l)} were just taken by someone else and have been removed from your selection.`,
        );
      }
    },
    onResync: loadShow,
    onError: (e) => {
      if (isNotFound(e)) setMissing(true);
      else if (!seatsLoaded.current) setSeatsFailure(problemMessage(e));
      else setError(problemMessage(e));
    },
  });
  seatsLoaded.current = seats !== null;

  const labelOf = useMemo(() => {
    const m = new Map<number, string>();
    for (const s of seats ?? []) m.set(s.id, s.label);
    return m;
  }, [seats]);
  const byId = useMemo(() => new Map((seats ?? []).map((s) => [s.id, s])), [seats]);
  // Keyed on the areas' categories, not on `standing` (new on every places-left refresh), so the
  // colours, and with them the (memoised) seat map, stay the same when only counts change.
  const standingCategories = standing.map((a) => a.category).join('\n');
  const colours = useMemo(
    () => categoryColours([...(seats ?? []).map((s) => s.category), ...standing.map((a) => a.category)]),
    [seats, standingCategories], // eslint-disable-line react-hooks/exhaustive-deps
  );
  // Appointment slots (seats with times) are listed per practitioner; other seats are drawn on the map.
  const slotSeats = useMemo(() => (seats ?? []).filter((s) => s.starts_at), [seats]);
  const mapSeats = useMemo(() => (slotSeats.length === 0 ? (seats ?? []) : (seats ?? []).filter((s) => !s.starts_at)), [seats, slotSeats]);
  // A coach's row ends are its windows (until the service says which seats are).
  const drawnSeats = useMemo(() => (show?.kind === 'bus' ? markWindowSeats(mapSeats) : mapSeats), [show?.kind, mapSeats]);
  const noun: PlaceNoun = slotSeats.length > 0 && mapSeats.length === 0 ? 'appointment' : 'seat';
  const nounRef = useRef(noun);
  nounRef.current = noun;
  const timeZone = show?.time_zone || 'UTC';
  const currency = currencyOf(show, { currency: mapCurrency });

  useEffect(() => {
    shownRef.current = null;
    setShow(null);
    setMissing(false);
    setLoadFailure(null);
    loadShow();
  }, [loadShow]);

  // Keep what is picked in this tab (one show, at most 10), so signing in or registering does not lose it.
  useEffect(() => {
    if (!restored.current) return;
    savePending(
      showId,
      [...selected].map((id) => ({ id, label: labelOf.get(id) ?? `#${id}` })),
      standingPick,
    );
  }, [showId, selected, standingPick, labelOf]);

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
        setNotice(`You can hold at most ${MAX_SEATS} ${nounRef.current}s at a time.`);
        return prev;
      }
      return next;
    });
  }, []);

  const hold = async (request: HoldRequest) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    const standingHold = isStandingRequest(request);
    const best = isBestRequest(request);
    pendingHold.current = new Set('seat_ids' in request ? request.seat_ids : []);
    try {
      const b = unwrap(await api.POST('/bookings', { body: { show_id: showId, ...request } }));
      noteWrite(b); // the map and the show are read at least at this hold from now on
      lastRequest.current = request;
      setBooking(b);
      setPhase('held');
      if (!standingHold) {
        // At once, not at the next render: the stream's event for these very seats may come before it, once
        // `pendingHold` is cleared below, and must not read as someone else taking them.
        selectedRef.current = new Set();
        setSelected(new Set());
      } else setStandingPick(null);
      setStatuses((prev) => {
        const next = new Map(prev);
        for (const id of b.seat_ids) if (prev.has(id)) next.set(id, 'HELD');
        return next;
      });
      if (best) setReveal(b.seat_ids);
      if (standingHold) refreshStanding();
    } catch (e) {
      const code = problemCode(e);
      if (standingHold && code === 'not_enough_seats') {
        const left = standing.find((a) => a.section === request.section)?.available;
        setError(
          `Not enough places are left in ${request.section} for ${countOf(request.quantity, 'place')}` +
            (left !== undefined ? ` (this page last saw ${left}).` : '.') +
            ' The count has been updated; pick fewer.',
        );
      } else if (best && code === 'not_enough_seats') {
        setError(
          request.accessible
            ? `Not enough wheelchair spaces are free for ${request.quantity}${request.category ? ` in ${request.category}` : ''}. Try fewer.`
            : `Not enough seats are free for ${request.quantity}${request.category ? ` in ${request.category}` : ''}. Try fewer seats or another category.`,
        );
      } else setError(problemMessage(e, labelOf, standingHold ? 'place' : noun));
      if (standingHold) refreshStanding();
      if (code === 'unknown_section') loadSeats();
      if (code === 'show_cancelled') loadShow();
      if (code === 'seats_unavailable') {
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
      noteWrite(b);
      setBooking(b);
      setPhase('confirmed');
    } catch (e) {
      if (problemCode(e) === 'booking_expired') setPhase('expired');
      else if (problemCode(e) === 'show_cancelled') loadShow(); // the effect above shows what became of the booking
      else setError(problemMessage(e, labelOf, noun));
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
      noteWrite(b);
      setBooking(b);
      setPhase('cancelled');
      if (lastRequest.current && isStandingRequest(lastRequest.current)) refreshStanding();
    } catch (e) {
      setError(problemMessage(e, labelOf, noun));
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

  // A standing area picked on the map: its card's quantity picker (scrolled into view and focused).
  const pickStanding = useCallback((section: string) => {
    focusStandingPicker(section);
  }, []);

  const selectedSeats = [...selected].map((id) => byId.get(id)).filter((s): s is Seat => !!s);
  const total = selectedSeats.reduce((sum, s) => sum + s.price_cents, 0);
  const seatCount = seats?.length ?? 0;
  const availableNow = useMemo(() => {
    let n = 0;
    for (const st of statuses.values()) if (st === 'AVAILABLE') n++;
    return n;
  }, [statuses]);
  // What best available can offer: the seated categories with prices, seats and wheelchair spaces free.
  const seated = useMemo(() => {
    const cats = new Map<string, number>();
    let left = 0;
    let wheelchairLeft = 0;
    let wheelchair = false;
    for (const s of mapSeats) {
      if (!cats.has(s.category)) cats.set(s.category, show?.prices[s.category] ?? s.price_cents);
      const w = s.features?.includes('wheelchair') ?? false;
      wheelchair ||= w;
      if ((statuses.get(s.id) ?? s.status) === 'AVAILABLE') {
        left++;
        if (w) wheelchairLeft++;
      }
    }
    return { categories: [...cats].map(([name, price]) => ({ name, price })).sort((a, b) => b.price - a.price), left, wheelchairLeft, wheelchair };
  }, [mapSeats, statuses, show?.prices]);
  const standingLeft = standing.reduce((n, a) => n + a.available, 0);
  const standingCapacity = standing.reduce((n, a) => n + a.capacity, 0);
  const countNoun = noun === 'appointment' ? 'appointments' : standing.length > 0 ? 'places' : 'seats';
  const described = booking ? describeBooking(booking, byId, standing, timeZone) : null;
  const bookingCurrency = currencyOf(booking, show, { currency: mapCurrency });
  const selectedText = (s: Seat) => (s.starts_at && s.ends_at ? `${s.section} ${formatTimeRange(s.starts_at, s.ends_at, timeZone)}` : s.label);
  const heldNote = phase === 'held' && <span className="muted"> (confirm or cancel your current hold first)</span>;
  const signInHref = `/login?next=${encodeURIComponent(`/shows/${showId}`)}`;
  const reference = (booking as { reference?: unknown } | null)?.reference;

  if (missing) {
    return (
      <div className="show-page not-found">
        <p>
          <a href="/">← All shows</a>
        </p>
        <h1>Show not found</h1>
        <p>There is no show {showId}: the link may be wrong, or the show was removed.</p>
        <p>
          <a href="/">Back to the list of shows</a>
        </p>
      </div>
    );
  }
  if (!show && loadFailure) {
    return (
      <div className="show-page not-found">
        <p>
          <a href="/">← All shows</a>
        </p>
        <h1>This show could not be loaded</h1>
        <div className="error" role="alert">
          {loadFailure}
        </div>
        <p>
          <button
            type="button"
            onClick={() => {
              setLoadFailure(null);
              loadShow();
              if (!seats) loadSeats();
            }}
          >
            Try again
          </button>{' '}
          <a href="/">Back to the list of shows</a>
        </p>
      </div>
    );
  }

  return (
    <div className="show-page">
      <p>
        <a href="/">← All shows</a>
      </p>
      <h1>{show ? show.name : 'Loading…'}</h1>
      {show && (
        <p className="muted">
          {show.kind} · {formatDateTime(show.starts_at, timeZone)} ·{' '}
          {cancelled
            ? ''
            : seats
              ? `${placesLeft(availableNow + standingLeft, seatCount + standingCapacity, countNoun)} · `
              : `${placesLeft(show.available_seats, show.total_seats, countNoun)} · `}
          <span className={live ? 'live-on' : 'live-off'}>{live ? '● live' : '○ connecting…'}</span>
        </p>
      )}
      {cancelled && (
        <p className="cancelled-banner">
          <strong>Cancelled</strong> — this show will not take place. Its {countNoun} can no longer be held or booked; bookings made for it
          were cancelled.
        </p>
      )}

      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {seatsFailure && !seats && (
        <div className="error" role="alert">
          The seats could not be loaded. {seatsFailure}{' '}
          <button
            type="button"
            onClick={() => {
              setSeatsFailure(null);
              loadSeats();
            }}
          >
            Try again
          </button>
        </div>
      )}
      <div className="notice" role="status" aria-live="polite">
        {notice}
      </div>

      {booking && phase && (
        <section ref={panelRef} className={`booking-panel booking-${phase}`} aria-label="Your booking">
          {phase === 'held' && (
            <>
              <h2 tabIndex={-1}>
                {described!.noun} held: {described!.what}
              </h2>
              <p>
                Total {formatPrice(booking.total_cents, bookingCurrency)}. Your hold ends in <Countdown until={booking.expires_at} onExpire={onExpire} /> —
                confirm before then.
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
              <h2 tabIndex={-1}>Booked: {described!.what}</h2>
              <p>
                Confirmed. Total {formatPrice(booking.total_cents, bookingCurrency)}.
                {typeof reference === 'string' && reference && (
                  <>
                    {' '}
                    Booking reference <strong className="reference">{reference}</strong>.
                  </>
                )}{' '}
                See <a href={`/bookings/${booking.id}`}>this booking</a> or <a href="/bookings">My bookings</a>.
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
                The hold on {described!.what} expired before it was confirmed, so {described!.noun === 'Appointment' ? 'it was' : 'they were'}{' '}
                released. You can try to hold {described!.noun === 'Appointment' ? 'it' : 'them'} again.
              </p>
              <button type="button" className="primary" onClick={() => hold(lastRequest.current ?? { seat_ids: booking.seat_ids })} disabled={busy}>
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
              <p>The show was cancelled, so your booking of {described!.what} was cancelled too.</p>
              <button type="button" onClick={() => setBooking(null)}>
                Dismiss
              </button>
            </>
          )}
          {phase === 'cancelled' && (
            <>
              <h2 tabIndex={-1}>Cancelled</h2>
              <p>Released: {described!.what}.</p>
              <button type="button" onClick={() => setBooking(null)}>
                Dismiss
              </button>
            </>
          )}
        </section>
      )}

      {seats && (
        <StandingAreas
          areas={standing}
          colours={colours}
          canHold={!!session}
          cancelled={cancelled}
          disabled={busy || phase === 'held'}
          onHold={(section, quantity) => hold({ quantity, section })}
          currency={currency}
          initialPicked={standingPick ? { [standingPick.section]: standingPick.quantity } : undefined}
          onPick={(section, quantity) => setStandingPick({ section, quantity })}
          signInHref={signInHref}
        />
      )}
      {seats && standing.length > 0 && phase === 'held' && !cancelled && <p className="muted">Confirm or cancel your current hold to hold more places.</p>}

      {seats && seats.length > 0 && (
        <>
          {standing.length > 0 && <h2 className="seats-h">Seats</h2>}
          {!cancelled && mapSeats.length > 0 && (
            <BestAvailable
              categories={seated.categories}
              seatsLeft={seated.left}
              wheelchairLeft={seated.wheelchairLeft}
              hasWheelchair={seated.wheelchair}
              currency={currency}
              canHold={!!session}
              signInHref={signInHref}
              disabled={busy || phase === 'held'}
              onHold={(r) => hold(r)}
            />
          )}
          <div className="toolbar">
            {!cancelled && mapSeats.length > 0 && (
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
            {mapSeats.length > 0 && <Legend colours={colours} prices={show?.prices ?? {}} currency={currency} />}
          </div>

          {!cancelled && (
            <div className="selection-bar">
              <span>
                {selectedSeats.length === 0
                  ? noun === 'appointment'
                    ? session
                      ? 'Tap a free time to hold it.'
                      : 'No time selected.'
                    : 'No seats selected.'
                  : `Selected: ${selectedSeats.map(selectedText).join(', ')} — total ${formatPrice(total, currency)}`}
              </span>{' '}
              {session ? (
                (noun !== 'appointment' || selectedSeats.length > 0) && (
                  <button
                    type="button"
                    className="primary"
                    disabled={busy || selectedSeats.length === 0 || phase === 'held'}
                    onClick={() => hold({ seat_ids: selectedSeats.map((s) => s.id) })}
                  >
                    Hold {selectedSeats.length > 0 ? countOf(selectedSeats.length, noun) : `${noun}s`}
                  </button>
                )
              ) : (
                <a href={signInHref}>{noun === 'appointment' ? 'Sign in to book an appointment' : 'Sign in to hold seats'}</a>
              )}
              {heldNote}
            </div>
          )}

          {slotSeats.length > 0 && (
            <AppointmentList
              slots={slotSeats}
              statuses={statuses}
              selected={selected}
              colours={colours}
              timeZone={timeZone}
              currency={currency}
              mode={session ? 'hold' : 'select'}
              disabled={!!session && (busy || phase === 'held')}
              onPick={(id) => {
                if (session) hold({ seat_ids: [id] });
                else {
                  setNotice(null);
                  setSelected((prev) => (prev.has(id) ? new Set() : new Set([id])));
                }
              }}
              selectable={cancelled ? nothingSelectable : undefined}
            />
          )}
          {mapSeats.length > 0 &&
            (cancelled || view === 'map' ? (
              <div className={cancelled ? 'seats-closed' : undefined}>
                <SeatMap
                  seats={drawnSeats}
                  stage={stage}
                  statuses={statuses}
                  selected={selected}
                  colours={colours}
                  onToggle={onToggle}
                  selectable={cancelled ? nothingSelectable : undefined}
                  currency={currency}
                  kind={show?.kind}
                  reveal={cancelled ? undefined : reveal}
                  standing={standing}
                  onPickStanding={cancelled ? undefined : pickStanding}
                />
              </div>
            ) : (
              <SeatList seats={drawnSeats} statuses={statuses} selected={selected} onToggle={onToggle} currency={currency} />
            ))}
        </>
      )}
    </div>
  );
}
