import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap, type Show, type ShowUpdate } from '../../api/client';
import { problemMessage } from '../../errors';
import { isValidTimeZone, utcToWallTime, wallTimeToUtc } from '../../timeZone';
import { minorDigits, toMinorUnits } from '../../format';
import { StartTimeHint, TimeZoneInput } from './TimeZoneField';

export interface Draft {
  name: string;
  /** The venue's IANA time zone. */
  timeZone: string;
  /** `datetime-local` value: wall time in `timeZone`. */
  startsAt: string;
  /** Price per category as typed ("12.50"). */
  prices: Record<string, string>;
}

function draftOf(show: Show): Draft {
  return {
    name: show.name,
    timeZone: show.time_zone,
    startsAt: utcToWallTime(show.starts_at, show.time_zone),
    prices: Object.fromEntries(
      Object.entries(show.prices).map(([c, cents]) => {
        const digits = minorDigits(show.currency);
        return [c, (cents / 10 ** digits).toFixed(digits)];
      }),
    ),
  };
}

/**
 * The change to send: only what differs from the show (the start time, entered as wall time in the
 * draft's zone, as RFC 3339 UTC; prices in cents, all categories when any price changed), or an error
 * message for a zone, time or price that cannot be read. The form means what it says: a new zone with
 * the same wall time moves the show to that wall time in the new zone.
 */
export function showChange(show: Show, draft: Draft): ShowUpdate | string {
  const change: ShowUpdate = {};
  if (draft.name !== show.name) change.name = draft.name;
  const zone = draft.timeZone.trim();
  const zoneChanged = zone !== show.time_zone;
  if (zoneChanged) {
    if (!isValidTimeZone(zone)) return 'Enter a time zone from the list: an IANA name such as Europe/Lisbon.';
    change.time_zone = zone;
  }
  if (zoneChanged || draft.startsAt !== utcToWallTime(show.starts_at, show.time_zone)) {
    const d = wallTimeToUtc(draft.startsAt, zone);
    if (!d) return 'Enter a start date and time.';
    if (d.getTime() !== Date.parse(show.starts_at)) change.starts_at = d.toISOString();
  }
  const prices: Record<string, number> = {};
  for (const c of Object.keys(show.prices)) {
    const typed = (draft.prices[c] ?? '').trim();
    const cents = toMinorUnits(typed, show.currency);
    if (typed === '' || !Number.isFinite(cents)) return `Enter a price for ${c}.`;
    prices[c] = cents;
  }
  if (Object.keys(prices).some((c) => prices[c] !== show.prices[c])) change.prices = prices;
  return change;
}

/** Edit a show's name, start time and prices; a 4xx answer's message is shown as it came. */
export function ShowEditor({ show, onSaved }: { show: Show; onSaved(show: Show): void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(show));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // A new version of the show (saved here, or changed elsewhere) resets the form.
  const version = JSON.stringify([show.id, show.name, show.starts_at, show.time_zone, show.prices]);
  useEffect(() => setDraft(draftOf(show)), [version]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const change = showChange(show, draft);
    if (typeof change === 'string') {
      setError(change);
      return;
    }
    setBusy(true);
    try {
      const updated = unwrap(await api.PATCH('/admin/shows/{id}', { params: { path: { id: show.id } }, body: change }));
      setSaved(`Saved “${updated.name}”.`);
      onSaved(updated);
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const categories = Object.keys(show.prices).sort();
  return (
    <section aria-labelledby="edit-h" className="admin-card">
      <h3 id="edit-h">Edit show</h3>
      <form onSubmit={submit}>
        <label>
          Name
          <input value={draft.name} onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} required maxLength={200} />
        </label>
        <TimeZoneInput id="edit-tz" value={draft.timeZone} onChange={(timeZone) => setDraft((d) => ({ ...d, timeZone }))} />
        <label>
          Starts at
          <input
            type="datetime-local"
            value={draft.startsAt}
            aria-describedby="edit-starts-hint"
            onChange={(e) => setDraft((d) => ({ ...d, startsAt: e.target.value }))}
            required
          />
        </label>
        <StartTimeHint id="edit-starts-hint" wall={draft.startsAt} timeZone={draft.timeZone} />
        <fieldset>
          <legend>Prices</legend>
          {categories.map((c) => (
            <label key={c}>
              Price for {c}
              <input
                type="number"
                min={0}
                step="0.01"
                required
                value={draft.prices[c] ?? ''}
                onChange={(e) => setDraft((d) => ({ ...d, prices: { ...d.prices, [c]: e.target.value } }))}
              />
            </label>
          ))}
          <p className="muted">New prices apply to seats not yet held or sold; bookings keep what they paid.</p>
        </fieldset>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        {saved && (
          <div className="success" role="status">
            {saved}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Save changes
        </button>
      </form>
    </section>
  );
}
