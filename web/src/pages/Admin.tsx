import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap, type Layout, type ShowKind } from '../api/client';
import { problemMessage } from '../errors';
import { browserTimeZone, isValidTimeZone, wallTimeToUtc } from '../timeZone';
import { LayoutEditor } from './admin/LayoutEditor';
import { layoutCategories } from './admin/layoutDraft';
import { ShowManager } from './admin/ShowManager';
import { StartTimeHint, TimeZoneInput } from './admin/TimeZoneField';
import { DEFAULT_CURRENCY, toMinorUnits } from '../format';

/** The currencies this browser knows (ISO 4217), for the show form. */
const CURRENCIES: readonly string[] =
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : ['EUR', 'GBP', 'USD', 'CHF'];

/** A week ahead at 20:00, as a `datetime-local` value (a wall time in the zone the admin picks). */
function defaultStart(): string {
  const d = new Date(Date.now() + 7 * 86400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T20:00`;
}

/** Whether a stored layout has appointment slots (a show on it is an appointment session). */
const hasSlots = (l: Layout | undefined) => !!l?.sections.some((s) => s.slots);

export function ShowCreator({
  layouts,
  reload,
  preferredId,
  onCreated,
}: {
  layouts: Layout[];
  reload(): void;
  preferredId?: number;
  onCreated?(): void;
}) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ShowKind>('movie');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [startsAt, setStartsAt] = useState(defaultStart);
  const [layoutId, setLayoutId] = useState<number | ''>('');
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ id: number; name: string } | null>(null);

  useEffect(() => {
    if (layoutId === '' && layouts.length > 0) setLayoutId(layouts[0].id);
  }, [layouts, layoutId]);
  useEffect(() => {
    if (preferredId !== undefined) setLayoutId(preferredId);
  }, [preferredId]);
  const layout = layouts.find((l) => l.id === layoutId);
  const categories = layout ? layoutCategories(layout) : [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    if (!layout) return;
    const code = currency.trim().toUpperCase();
    if (!CURRENCIES.includes(code)) {
      setError('Enter a currency from the list: an ISO 4217 code such as EUR or GBP.');
      return;
    }
    const zone = timeZone.trim();
    if (!isValidTimeZone(zone)) {
      setError('Enter a time zone from the list: an IANA name such as Europe/Lisbon.');
      return;
    }
    // The start is a wall time at the venue: converted to UTC in the venue's zone (DST included).
    const start = wallTimeToUtc(startsAt, zone);
    if (!start) {
      setError('Enter a start date and time.');
      return;
    }
    try {
      const show = unwrap(
        await api.POST('/admin/shows', {
          body: {
            name,
            kind,
            time_zone: zone,
            currency: code,
            starts_at: start.toISOString(),
            layout_id: layout.id,
            prices: Object.fromEntries(categories.map((c) => [c, toMinorUnits(prices[c] ?? '0', code)])),
          },
        }),
      );
      setCreated({ id: show.id, name: show.name });
      onCreated?.();
    } catch (err) {
      setError(problemMessage(err));
    }
  };

  return (
    <section aria-labelledby="show-h">
      <h2 id="show-h">Create a show</h2>
      <form onSubmit={submit} className="show-form">
        <label>
          Show name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as ShowKind)}>
            {(['movie', 'bus', 'appointment', 'event'] as ShowKind[]).map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <TimeZoneInput id="create-tz" value={timeZone} onChange={setTimeZone} />
        <label>
          Starts at
          <input
            type="datetime-local"
            value={startsAt}
            aria-describedby="create-starts-hint"
            onChange={(e) => setStartsAt(e.target.value)}
            required
          />
        </label>
        <StartTimeHint id="create-starts-hint" wall={startsAt} timeZone={timeZone} />
        <label>
          Layout
          <select value={layoutId} onChange={(e) => setLayoutId(Number(e.target.value))}>
            {layouts.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name} (#{l.id}, {l.seat_count} seats)
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" onClick={reload}>
          Refresh layouts
        </button>
        {hasSlots(layout) && (
          <p className="muted field-help">This layout has appointment slots: they fall on this day, at their times in this time zone.</p>
        )}
        <label>
          Currency
          <input
            value={currency}
            list="currency-codes"
            maxLength={3}
            aria-describedby="currency-hint"
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
            required
          />
        </label>
        <datalist id="currency-codes">
          {CURRENCIES.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <p id="currency-hint" className="muted field-help">
          ISO 4217 code of the prices below; it cannot change once the show is on sale.
        </p>
        {layout && (
          <fieldset>
            <legend>Prices ({currency})</legend>
            {categories.map((c) => (
              <label key={c}>
                Price for {c}
                <input
                  type="number"
                  min={0}
                  step="0.01"
                  required
                  value={prices[c] ?? ''}
                  onChange={(e) => setPrices((p) => ({ ...p, [c]: e.target.value }))}
                />
              </label>
            ))}
          </fieldset>
        )}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        {created && (
          <div className="success" role="status">
            Created show <a href={`/shows/${created.id}`}>{created.name}</a>.
          </div>
        )}
        <button type="submit" className="primary" disabled={!layout}>
          Create show
        </button>
      </form>
    </section>
  );
}

export function Admin() {
  const [layouts, setLayouts] = useState<Layout[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [preferredId, setPreferredId] = useState<number | undefined>();
  const [created, setCreated] = useState(0);
  const load = async () => {
    try {
      setLayouts(unwrap(await api.GET('/admin/layouts', { params: { query: { limit: 200 } } })).items);
    } catch (e) {
      setError(problemMessage(e));
    }
  };
  useEffect(() => {
    load();
  }, []);
  return (
    <div>
      <h1>Admin</h1>
      <nav aria-label="Admin sections" className="admin-nav">
        <a href="#layout-h">Layout editor</a> · <a href="#show-h">Create a show</a> · <a href="#manage-h">Manage shows</a> · <a href="/admin/check-in">Door check-in</a>
      </nav>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <LayoutEditor
        onSaved={(l) => {
          setLayouts((all) => [l, ...all.filter((x) => x.id !== l.id)]);
          setPreferredId(l.id);
        }}
      />
      <ShowCreator layouts={layouts} reload={load} preferredId={preferredId} onCreated={() => setCreated((n) => n + 1)} />
      <ShowManager refreshKey={created} />
    </div>
  );
}
