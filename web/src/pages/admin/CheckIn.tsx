import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, unwrap, type Show } from '../../api/client';
import type { components } from '../../api/schema';
import { CameraScanner } from '../../components/CameraScanner';
import '../../components/tickets.css';
import { problemMessage } from '../../errors';
import { formatDateTime } from '../../format';
import { zoneLabel } from '../../timeZone';

export type CheckInAnswer = components['schemas']['CheckIn'];

/** Shows that started up to this long ago are still offered: latecomers come in after the start. */
export const STARTED_WITHIN_MS = 12 * 3600_000;
/** Scans kept in the log. */
export const LOG_SIZE = 8;

/** What one scan (or typed code) came to. */
export type ScanOutcome =
  | { kind: 'admitted'; code: string; checkIn: CheckInAnswer }
  | { kind: 'already'; code: string; checkedInAt?: string }
  | { kind: 'not-found'; code: string; otherShowId?: number }
  | { kind: 'error'; code: string; message: string };

/** The show a ticket code names (`7-1093-K7Q2M9XD` → 7), if it has a code's shape. */
export function codeShowId(code: string): number | undefined {
  const m = /^\s*(\d+)-(\d+)-([0-9a-z]{8})\s*$/i.exec(code);
  return m ? Number(m[1]) : undefined;
}

/** The service's answer to a check-in (or what it threw), as an outcome for the door. */
export function outcomeOf(code: string, showId: number, answer: { ok: CheckInAnswer } | { error: unknown }): ScanOutcome {
  if ('ok' in answer) return { kind: 'admitted', code, checkIn: answer.ok };
  const e = answer.error;
  const p = e instanceof ApiError ? e.problem : undefined;
  if (p?.code === 'already_checked_in') return { kind: 'already', code, checkedInAt: p.checked_in_at };
  if (p?.code === 'ticket_not_found') {
    const other = codeShowId(code);
    return { kind: 'not-found', code, otherShowId: other !== undefined && other !== showId ? other : undefined };
  }
  if (p?.code === 'show_not_found') return { kind: 'error', code, message: 'This show no longer exists. Choose another show.' };
  return { kind: 'error', code, message: problemMessage(e) };
}

const plainSpaces = (s: string) => s.replace(/[\u00a0\u2009\u202f]/g, ' ');
const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** A time of day at the venue to the second, with the zone: "20:14:05 (Lisbon, GMT)" (the locale decides 24 h or AM/PM). */
export function formatClock(iso: string, timeZone: string): string {
  const tz = timeZone || 'UTC';
  let f = clockFormats.get(tz);
  if (!f) clockFormats.set(tz, (f = new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit' })));
  return `${plainSpaces(f.format(new Date(iso)))} ${zoneLabel(iso, tz)}`;
}

/** The headline of an outcome: what the door person reads at a glance. */
export function outcomeHeadline(o: ScanOutcome, timeZone: string): string {
  switch (o.kind) {
    case 'admitted':
      return 'Admitted';
    case 'already':
      return o.checkedInAt ? `Already checked in at ${formatClock(o.checkedInAt, timeZone)}` : 'Already checked in';
    case 'not-found':
      return 'Not a ticket for this show';
    case 'error':
      return 'Could not check this ticket';
  }
}

const SYMBOL: Record<ScanOutcome['kind'], string> = { admitted: '✓', already: '!', 'not-found': '✕', error: '✕' };

function OutcomeCard({ outcome, show, shows }: { outcome: ScanOutcome; show: Show; shows: readonly Show[] }) {
  const tz = show.time_zone;
  const other = outcome.kind === 'not-found' && outcome.otherShowId !== undefined ? shows.find((s) => s.id === outcome.otherShowId) : undefined;
  return (
    <div className={`checkin-card checkin-${outcome.kind}`} data-outcome={outcome.kind}>
      <p className="checkin-headline">
        <span aria-hidden="true">{SYMBOL[outcome.kind]} </span>
        {outcomeHeadline(outcome, tz)}
      </p>
      {outcome.kind === 'admitted' && (
        <>
          <p className="checkin-seat">{outcome.checkIn.seat}</p>
          <p>
            {outcome.checkIn.category} · booking <strong>{outcome.checkIn.reference}</strong> · at {formatClock(outcome.checkIn.checked_in_at, tz)}
          </p>
        </>
      )}
      {outcome.kind === 'already' && <p>Do not admit again. Code {outcome.code}.</p>}
      {outcome.kind === 'not-found' && (
        <p>
          {outcome.otherShowId !== undefined
            ? `This code is for ${other ? `“${other.name}”, ${formatDateTime(other.starts_at, other.time_zone)}` : `another show (#${outcome.otherShowId})`}.`
            : 'Check the code: it may be mistyped, or its booking was cancelled.'}{' '}
          Code {outcome.code}.
        </p>
      )}
      {outcome.kind === 'error' && <p>{outcome.message}</p>}
    </div>
  );
}

/** The shows to check in for: not cancelled, starting from 12 hours ago on (all pages). */
async function loadShows(): Promise<Show[]> {
  const from = new Date(Date.now() - STARTED_WITHIN_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  const all: Show[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const r = unwrap(await api.GET('/shows', { params: { query: { from, limit: 200, cursor } } }));
    all.push(...r.items);
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return all.filter((s) => !s.cancelled_at);
}

function showFromQuery(): number | undefined {
  const v = new URLSearchParams(window.location.search).get('show');
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

interface LogEntry {
  n: number;
  at: string;
  outcome: ScanOutcome;
}

function logText(o: ScanOutcome, timeZone: string): string {
  switch (o.kind) {
    case 'admitted':
      return `Admitted: ${o.checkIn.seat} (${o.checkIn.reference})`;
    case 'already':
      return o.checkedInAt ? `Already checked in at ${formatClock(o.checkedInAt, timeZone)}` : 'Already checked in';
    case 'not-found':
      return 'Not a ticket for this show';
    case 'error':
      return o.message;
  }
}

/**
 * Door check-in (`/admin/check-in`, admins): pick the show, then type or scan ticket codes. Each
 * result is shown big (and announced); the last scans are listed.
 */
export function CheckIn() {
  const [shows, setShows] = useState<Show[] | null>(null);
  const [showId, setShowId] = useState<number | undefined>(showFromQuery);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [current, setCurrent] = useState<LogEntry | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [log, setLog] = useState<LogEntry[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const counter = useRef(0);
  const showIdRef = useRef(showId);
  showIdRef.current = showId;

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const list = await loadShows();
        // A show asked for by the link but not in the list (started long ago): fetched by id.
        const wanted = showFromQuery();
        if (wanted !== undefined && !list.some((s) => s.id === wanted)) {
          const r = await api.GET('/shows/{id}', { params: { path: { id: wanted } } });
          if (r.data) list.unshift(r.data);
        }
        if (live) setShows(list);
      } catch (e) {
        if (live) setLoadError(problemMessage(e));
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const show = shows?.find((s) => s.id === showId);

  const choose = (id: number | undefined) => {
    setShowId(id);
    setCurrent(null);
    setLog([]);
    setCode('');
    const url = id === undefined ? '/admin/check-in' : `/admin/check-in?show=${id}`;
    window.history.replaceState(window.history.state, '', url);
  };

  /** Checks one code in; codes are sent one after another, in the order they were given. */
  const check = useCallback((raw: string, from: 'typed' | 'camera') => {
    // Codes are written in capitals; case does not matter to the service, spaces typed by mistake are dropped.
    const value = raw.replace(/\s+/g, '').toUpperCase();
    const forShow = showIdRef.current;
    if (!value || forShow === undefined) return;
    queue.current = queue.current.then(async () => {
      if (showIdRef.current !== forShow) return; // the show was changed meanwhile
      setPending(value);
      let answer: { ok: CheckInAnswer } | { error: unknown };
      try {
        answer = { ok: unwrap(await api.POST('/admin/shows/{id}/check-in', { params: { path: { id: forShow } }, body: { code: value } })) };
      } catch (error) {
        answer = { error };
      }
      setPending(null);
      if (showIdRef.current !== forShow) return;
      const entry: LogEntry = { n: ++counter.current, at: new Date().toISOString(), outcome: outcomeOf(value, forShow, answer) };
      setCurrent(entry);
      setLog((prev) => [entry, ...prev].slice(0, LOG_SIZE));
      if (from === 'typed') {
        // A ticket dealt with: the field is cleared for the next one. A code not found stays, selected, to be corrected or typed over.
        if (entry.outcome.kind === 'not-found' || entry.outcome.kind === 'error') {
          setCode(value);
          requestAnimationFrame(() => inputRef.current?.select());
        } else setCode((c) => (c.replace(/\s+/g, '').toUpperCase() === value ? '' : c));
      }
    });
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    check(code, 'typed');
  };

  return (
    <div className="checkin">
      <p>
        <a href="/admin">← Admin</a>
      </p>
      <h1>Door check-in</h1>
      {loadError && (
        <div className="error" role="alert">
          {loadError}
        </div>
      )}
      <div className="checkin-form">
        <label className="checkin-show">
          Show
          <select
            value={showId ?? ''}
            onChange={(e) => choose(e.target.value === '' ? undefined : Number(e.target.value))}
            aria-busy={!shows && !loadError}
          >
            <option value="">{shows ? (shows.length ? 'Choose a show…' : 'No upcoming shows') : 'Loading shows…'}</option>
            {shows?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} — {formatDateTime(s.starts_at, s.time_zone)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {show && (
        <>
          <form className="checkin-form" onSubmit={submit} aria-label={`Check in a ticket for ${show.name}`}>
            <label className="checkin-code">
              Ticket code
              <input
                ref={inputRef}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                inputMode="text"
                enterKeyHint="go"
                aria-describedby="checkin-code-hint"
              />
            </label>
            <button type="submit" className="primary">
              Check in
            </button>
          </form>
          <p id="checkin-code-hint" className="muted">
            Type the code under the ticket’s QR code (such as 7-1093-K7Q2M9XD) and press Enter, or use a scanner that types it.
          </p>
        </>
      )}
      {/* Right under the field, so the answer is in sight (on a phone too) the moment it comes. */}
      <div className="checkin-result" aria-live="assertive" aria-atomic="true" data-testid="checkin-result">
        {show && pending && !current && <div className="checkin-card checkin-pending">Checking {pending}…</div>}
        {show && current && <OutcomeCard key={current.n} outcome={current.outcome} show={show} shows={shows ?? []} />}
      </div>
      {show && <CameraScanner onCode={(c) => check(c, 'camera')} />}
      {show && log.length > 0 && (
        <section aria-labelledby="checkin-log-h">
          <h2 id="checkin-log-h">Last scans</h2>
          <ol className="checkin-log">
            {log.map((l) => (
              <li key={l.n}>
                <span className="muted">{formatClock(l.at, show.time_zone).replace(/ \(.*\)$/, '')}</span>
                <code>{l.outcome.code}</code>
                <span className={`log-${l.outcome.kind}`}>{logText(l.outcome, show.time_zone)}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
