import { useMemo, useState, type FormEvent } from 'react';
import { api, unwrap, type Layout } from '../../api/client';
import { categoryColours } from '../../components/categories';
import { problemMessage } from '../../errors';
import {
  describeCounts,
  describeSlots,
  layoutBody,
  MAX_SEATS_PER_ROW,
  MAX_STANDING,
  newRow,
  newSection,
  previewLayout,
  type DraftRow,
  type DraftSection,
  type SectionKind,
} from './layoutDraft';

function nextLabel(label: string): string {
  if (/^[A-Y]$/.test(label)) return String.fromCharCode(label.charCodeAt(0) + 1);
  if (/^\d+$/.test(label)) return String(Number(label) + 1);
  return `${label}-2`;
}

function allLabels(sections: DraftSection[]): string[] {
  return sections.filter((s) => s.kind === 'rows').flatMap((s) => s.rows.map((r) => r.label));
}

function freshLabel(sections: DraftSection[], after?: string): string {
  const used = new Set(allLabels(sections));
  let l = after ? nextLabel(after) : 'A';
  for (let i = 0; i < 1000 && used.has(l); i++) l = nextLabel(l);
  return l;
}

const KINDS: { kind: SectionKind; label: string }[] = [
  { kind: 'rows', label: 'Rows' },
  { kind: 'standing', label: 'Standing area' },
  { kind: 'slots', label: 'Appointment slots' },
];

/** A number list field of a row ("4, 10"): what it is, in the row's accessible name. */
function NumbersCell({ label, value, onChange }: { label: string; value: string; onChange(v: string): void }) {
  return (
    <td>
      <input aria-label={label} value={value} size={7} inputMode="numeric" placeholder="e.g. 4, 10" onChange={(e) => onChange(e.target.value)} />
    </td>
  );
}

export function LayoutEditor({ onSaved }: { onSaved(layout: Layout): void }) {
  const [name, setName] = useState('New hall');
  const [sections, setSections] = useState<DraftSection[]>([
    { ...newSection('Stalls', 'A'), rows: [newRow('A', 10), newRow('B', 12)] },
  ]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const update = (si: number, f: (s: DraftSection) => DraftSection) => setSections((all) => all.map((s, i) => (i === si ? f(s) : s)));
  const updateRow = (si: number, ri: number, patch: Partial<DraftRow>) =>
    update(si, (s) => ({ ...s, rows: s.rows.map((r, i) => (i === ri ? { ...r, ...patch } : r)) }));

  const preview = useMemo(() => previewLayout(sections), [sections]);
  const colours = useMemo(
    () => categoryColours([...preview.seats.map((s) => s.category), ...preview.areas.map((a) => a.category)].filter(Boolean)),
    [preview],
  );
  const cell = preview.width > 60 ? 6 : 14;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const body = layoutBody(name, sections);
    if (typeof body === 'string') {
      setError(body);
      return;
    }
    setBusy(true);
    try {
      const layout = unwrap(await api.POST('/admin/layouts', { body }));
      const onlyRows = sections.every((s) => s.kind === 'rows');
      setSaved(`Saved layout “${layout.name}” (#${layout.id}, ${layout.seat_count} ${onlyRows ? 'seats' : 'places'}).`);
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
              <fieldset className="kind-switch">
                <legend>Section type</legend>
                {KINDS.map((k) => (
                  <label key={k.kind}>
                    <input
                      type="radio"
                      name={`section-${si}-kind`}
                      checked={s.kind === k.kind}
                      onChange={() => update(si, (x) => ({ ...x, kind: k.kind }))}
                    />{' '}
                    {k.label}
                  </label>
                ))}
              </fieldset>

              {s.kind === 'standing' && (
                <label>
                  Standing places
                  <input
                    type="number"
                    min={1}
                    max={MAX_STANDING}
                    required
                    value={s.standing}
                    onChange={(e) => update(si, (x) => ({ ...x, standing: Number(e.target.value) }))}
                  />
                </label>
              )}

              {s.kind === 'slots' && (
                <>
                  <div className="slot-fields">
                    <label>
                      First slot at
                      <input
                        type="time"
                        required
                        value={s.slots.from}
                        onChange={(e) => update(si, (x) => ({ ...x, slots: { ...x.slots, from: e.target.value } }))}
                      />
                    </label>
                    <label>
                      Session ends at
                      <input
                        type="time"
                        required
                        value={s.slots.to}
                        onChange={(e) => update(si, (x) => ({ ...x, slots: { ...x.slots, to: e.target.value } }))}
                      />
                    </label>
                    <label>
                      Minutes per slot
                      <input
                        type="number"
                        min={5}
                        max={480}
                        required
                        value={s.slots.minutes}
                        onChange={(e) => update(si, (x) => ({ ...x, slots: { ...x.slots, minutes: Number(e.target.value) } }))}
                      />
                    </label>
                  </div>
                  <p className="muted">{describeSlots(s.slots)} Times are the venue’s, on the show’s day; the section name labels them (“{s.name} 09:30”).</p>
                </>
              )}

              {s.kind === 'rows' && (
                <>
                  <div className="rows-table">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Row</th>
                          <th scope="col">Seats</th>
                          <th scope="col">Category (optional)</th>
                          <th scope="col">Aisles after</th>
                          <th scope="col">Missing</th>
                          <th scope="col">Wheelchair</th>
                          <th scope="col">Right to left</th>
                          <th scope="col">
                            <span className="sr-only">Remove</span>
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.rows.map((r, ri) => {
                          const name = `Section ${si + 1} row ${ri + 1}`;
                          return (
                            <tr key={ri}>
                              <td>
                                <input aria-label={`${name} label`} value={r.label} size={4} required onChange={(e) => updateRow(si, ri, { label: e.target.value })} />
                              </td>
                              <td>
                                <input
                                  aria-label={`${name} seats`}
                                  type="number"
                                  min={1}
                                  max={MAX_SEATS_PER_ROW}
                                  value={r.seats}
                                  required
                                  onChange={(e) => updateRow(si, ri, { seats: Number(e.target.value) })}
                                />
                              </td>
                              <td>
                                <input
                                  aria-label={`${name} category`}
                                  value={r.category}
                                  placeholder={s.category}
                                  size={10}
                                  onChange={(e) => updateRow(si, ri, { category: e.target.value })}
                                />
                              </td>
                              <NumbersCell label={`${name} aisles after`} value={r.aisles} onChange={(aisles) => updateRow(si, ri, { aisles })} />
                              <NumbersCell label={`${name} missing seats`} value={r.missing} onChange={(missing) => updateRow(si, ri, { missing })} />
                              <NumbersCell label={`${name} wheelchair spaces`} value={r.wheelchair} onChange={(wheelchair) => updateRow(si, ri, { wheelchair })} />
                              <td>
                                <input
                                  type="checkbox"
                                  aria-label={`${name} numbered right to left`}
                                  checked={r.rightToLeft}
                                  onChange={(e) => updateRow(si, ri, { rightToLeft: e.target.checked })}
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
                          );
                        })}
                      </tbody>
                    </table>
                  </div>
                  <p className="muted field-help">
                    Aisles, missing seats and wheelchair spaces are seat numbers separated by commas. Seat 1 is at the left seen from the
                    stage unless the row is numbered right to left.
                  </p>
                  <button
                    type="button"
                    onClick={() =>
                      update(si, (x) => {
                        const last = x.rows[x.rows.length - 1];
                        return { ...x, rows: [...x.rows, newRow(freshLabel(sections, last?.label), last?.seats ?? 10)] };
                      })
                    }
                  >
                    Add row
                  </button>{' '}
                </>
              )}
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
                return [...all, newSection(`Section ${all.length + 1}`, label)];
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
            {describeCounts(preview.counts)} in {sections.length} section{sections.length > 1 ? 's' : ''}; categories: {[...colours.keys()].join(', ') || '—'}
          </p>
          <ul className="legend" aria-hidden="true">
            {[...colours].map(([c, col]) => (
              <li key={c}>
                <span className="swatch" style={{ backgroundColor: col }} /> {c}
              </li>
            ))}
            {preview.seats.some((s) => s.wheelchair) && (
              <li>
                <span className="swatch preview-wheelchair" /> wheelchair space
              </li>
            )}
          </ul>
          <div className="preview-canvas" aria-hidden="true" style={{ width: (preview.width + 3) * cell, height: preview.height * cell }}>
            {preview.areas.map((a) => (
              <div
                key={`area-${a.key}`}
                className="preview-area"
                style={{ top: a.y * cell, left: 2 * cell, width: preview.width * cell - 2, height: 2 * cell - 3, background: colours.get(a.category), fontSize: Math.max(9, cell * 0.75) }}
              >
                {a.name} · {a.places} standing
              </div>
            ))}
            {preview.labels.map((l) =>
              l.under ? (
                <span key={l.key} className="preview-label" style={{ top: l.y * cell, left: (l.x + 2) * cell, fontSize: Math.max(9, cell * 0.75) }}>
                  {l.label}
                </span>
              ) : (
                <span key={l.key} className="preview-label" style={{ top: l.y * cell, left: (l.x + 0.5) * cell - 2, fontSize: cell * 0.8 }}>
                  {cell >= 10 ? l.label : ''}
                </span>
              ),
            )}
            {preview.seats.slice(0, 20000).map((s) => (
              <span
                key={s.key}
                className={s.wheelchair ? 'preview-seat preview-wheelchair' : 'preview-seat'}
                style={{ left: (s.x + 2) * cell, top: s.y * cell, width: cell - 2, height: cell - 2, background: colours.get(s.category) }}
              />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
