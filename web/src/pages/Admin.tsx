import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, unwrap, type Layout, type NewLayout, type ShowKind } from '../api/client';
import { categoryColours } from '../components/categories';
import { problemMessage } from '../errors';
import { ShowManager } from './admin/ShowManager';

interface DraftRow {
  label: string;
  seats: number;
  category: string;
}
interface DraftSection {
  name: string;
  category: string;
  rows: DraftRow[];
}

function nextLabel(label: string): string {
  if (/^[A-Y]$/.test(label)) return String.fromCharCode(label.charCodeAt(0) + 1);
  if (/^\d+$/.test(label)) return String(Number(label) + 1);
  return `${label}-2`;
}

function allLabels(sections: DraftSection[]): string[] {
  return sections.flatMap((s) => s.rows.map((r) => r.label));
}

function freshLabel(sections: DraftSection[], after?: string): string {
  const used = new Set(allLabels(sections));
  let l = after ? nextLabel(after) : 'A';
  for (let i = 0; i < 1000 && used.has(l); i++) l = nextLabel(l);
  return l;
}

/** Seat positions like the server draws them: rows centred, one empty row between sections. */
export function previewSeats(sections: DraftSection[]) {
  const widest = Math.max(1, ...sections.flatMap((s) => s.rows.map((r) => r.seats || 0)));
  const out: { key: string; x: number; y: number; category: string }[] = [];
  const labels: { key: string; label: string; y: number; x: number }[] = [];
  let y = 0;
  sections.forEach((s, si) => {
    if (si > 0) y++;
    s.rows.forEach((r, ri) => {
      const n = Math.max(0, Math.min(500, r.seats || 0));
      const off = (widest - n) / 2;
      labels.push({ key: `${si}-${ri}`, label: r.label, y, x: off });
      for (let i = 0; i < n; i++) out.push({ key: `${si}-${ri}-${i}`, x: off + i, y, category: r.category || s.category });
      y++;
    });
  });
  return { seats: out, labels, width: widest, height: y };
}

function LayoutEditor({ onSaved }: { onSaved(layout: Layout): void }) {
  const [name, setName] = useState('New hall');
  const [sections, setSections] = useState<DraftSection[]>([
    {
      name: 'Stalls',
      category: 'standard',
      rows: [
        { label: 'A', seats: 10, category: '' },
        { label: 'B', seats: 12, category: '' },
      ],
    },
  ]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const update = (si: number, f: (s: DraftSection) => DraftSection) => setSections((all) => all.map((s, i) => (i === si ? f(s) : s)));
  const updateRow = (si: number, ri: number, patch: Partial<DraftRow>) =>
    update(si, (s) => ({ ...s, rows: s.rows.map((r, i) => (i === ri ? { ...r, ...patch } : r)) }));

  const preview = useMemo(() => previewSeats(sections), [sections]);
  const colours = useMemo(() => categoryColours(preview.seats.map((s) => s.category).filter(Boolean)), [preview]);
  const total = preview.seats.length;
  const cell = preview.width > 60 ? 6 : 14;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    const body: NewLayout = {
      name,
      sections: sections.map((s) => ({
        name: s.name,
        category: s.category,
        rows: s.rows.map((r) => ({ label: r.label, seats: r.seats, ...(r.category ? { category: r.category } : {}) })),
      })),
    };
    try {
      const layout = unwrap(await api.POST('/admin/layouts', { body }));
      setSaved(`Saved layout “${layout.name}” (#${layout.id}, ${layout.seat_count} seats).`);
      onSaved(layout);
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="layout-h">
      <h2 id="layout-h">Layout editor</h2>
      <div className="editor">
        <form onSubmit={save} className="editor-form">
          <label>
            Layout name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          {sections.map((s, si) => (
            <fieldset key={si} className="section-edit">
              <legend>Section {si + 1}</legend>
              <label>
                Section name
                <input value={s.name} required onChange={(e) => update(si, (x) => ({ ...x, name: e.target.value }))} />
              </label>
              <label>
                Section category
                <input value={s.category} required onChange={(e) => update(si, (x) => ({ ...x, category: e.target.value }))} />
              </label>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Seats</th>
                    <th scope="col">Category (optional)</th>
                    <th scope="col">
                      <span className="sr-only">Remove</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.rows.map((r, ri) => (
                    <tr key={ri}>
                      <td>
                        <input
                          aria-label={`Section ${si + 1} row ${ri + 1} label`}
                          value={r.label}
                          size={4}
                          required
                          onChange={(e) => updateRow(si, ri, { label: e.target.value })}
                        />
                      </td>
                      <td>
                        <input
                          aria-label={`Section ${si + 1} row ${ri + 1} seats`}
                          type="number"
                          min={1}
                          max={500}
                          value={r.seats}
                          required
                          onChange={(e) => updateRow(si, ri, { seats: Number(e.target.value) })}
                        />
                      </td>
                      <td>
                        <input
                          aria-label={`Section ${si + 1} row ${ri + 1} category`}
                          value={r.category}
                          placeholder={s.category}
                          size={10}
                          onChange={(e) => updateRow(si, ri, { category: e.target.value })}
                        />
                      </td>
                      <td>
                        <button
                          type="button"
                          aria-label={`Remove row ${r.label}`}
                          disabled={s.rows.length === 1}
                          onClick={() => update(si, (x) => ({ ...x, rows: x.rows.filter((_, i) => i !== ri) }))}
                        >
                          ✕
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <button
                type="button"
                onClick={() =>
                  update(si, (x) => {
                    const last = x.rows[x.rows.length - 1];
                    return { ...x, rows: [...x.rows, { label: freshLabel(sections, last?.label), seats: last?.seats ?? 10, category: '' }] };
                  })
                }
              >
                Add row
              </button>{' '}
              <button type="button" disabled={sections.length === 1} onClick={() => setSections((all) => all.filter((_, i) => i !== si))}>
                Remove section
              </button>
            </fieldset>
          ))}
          <button
            type="button"
            onClick={() =>
              setSections((all) => {
                const label = freshLabel(all, allLabels(all).slice(-1)[0]);
                return [...all, { name: `Section ${all.length + 1}`, category: 'standard', rows: [{ label, seats: 10, category: '' }] }];
              })
            }
          >
            Add section
          </button>
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
          <p>
            <button type="submit" className="primary" disabled={busy}>
              Save layout
            </button>
          </p>
        </form>
        <div className="preview" aria-label="Layout preview">
          <h3>Preview</h3>
          <p>
            {total} seats in {sections.length} section{sections.length > 1 ? 's' : ''}; categories: {[...colours.keys()].join(', ') || '—'}
          </p>
          <ul className="legend" aria-hidden="true">
            {[...colours].map(([c, col]) => (
              <li key={c}>
                <span className="swatch" style={{ backgroundColor: col }} /> {c}
              </li>
            ))}
          </ul>
          <div className="preview-canvas" aria-hidden="true" style={{ width: (preview.width + 3) * cell, height: preview.height * cell }}>
            {preview.labels.map((l) => (
              <span key={l.key} className="preview-label" style={{ top: l.y * cell, left: (l.x + 0.5) * cell - 2, fontSize: cell * 0.8 }}>
                {cell >= 10 ? l.label : ''}
              </span>
            ))}
            {preview.seats.slice(0, 20000).map((s) => (
              <span
                key={s.key}
                className="preview-seat"
                style={{ left: (s.x + 2) * cell, top: s.y * cell, width: cell - 2, height: cell - 2, background: colours.get(s.category) }}
              />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}

function ShowCreator({
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
  const [startsAt, setStartsAt] = useState(() => {
    const d = new Date(Date.now() + 7 * 86400_000);
    d.setHours(20, 0, 0, 0);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T20:00`;
  });
  const [layoutId, setLayoutId] = useState<number | ''>('');
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ id: number; name: string } | null>(null);

  useEffect(() => {
    if (layoutId === '' && layouts.length > 0) setLayoutId(layouts[0].id);
  }, [layouts, layoutId]);
  useEffect(() => {
    if (preferredId !== undefined) setLayoutId(preferredId);
  }, [preferredId]);
  const layout = layouts.find((l) => l.id === layoutId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    if (!layout) return;
    try {
      const show = unwrap(
        await api.POST('/admin/shows', {
          body: {
            name,
            kind,
            starts_at: new Date(startsAt).toISOString(),
            layout_id: layout.id,
            prices: Object.fromEntries(layout.categories.map((c) => [c, Math.round(Number(prices[c] ?? '0') * 100)])),
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
        <label>
          Starts at
          <input type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required />
        </label>
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
        {layout && (
          <fieldset>
            <legend>Prices</legend>
            {layout.categories.map((c) => (
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
        <a href="#layout-h">Layout editor</a> · <a href="#show-h">Create a show</a> · <a href="#manage-h">Manage shows</a>
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
