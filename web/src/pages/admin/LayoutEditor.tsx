import { useMemo, useState, type FormEvent } from 'react';
import { api, unwrap, type Layout } from '../../api/client';
import { categoryColours } from '../../components/categories';
import { standingShapes } from '../../components/mapGeometry';
import { problemMessage } from '../../errors';
import {
  describeCounts,
  describeSlots,
  layoutBody,
  MAX_SEATS_PER_ROW,
  MAX_STANDING,
  newRow,
  newSection,
  noStage,
  previewLayout,
  type DraftPlacement,
  type DraftRow,
  type DraftSection,
  type DraftStage,
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
  const [stage, setStage] = useState<DraftStage>(noStage);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const update = (si: number, f: (s: DraftSection) => DraftSection) => setSections((all) => all.map((s, i) => (i === si ? f(s) : s)));
  const updateRow = (si: number, ri: number, patch: Partial<DraftRow>) =>
    update(si, (s) => ({ ...s, rows: s.rows.map((r, i) => (i === ri ? { ...r, ...patch } : r)) }));
  const updatePosition = (si: number, patch: Partial<DraftPlacement>) => update(si, (s) => ({ ...s, position: { ...s.position, ...patch } }));

  const preview = useMemo(() => previewLayout(sections, stage), [sections, stage]);
  const colours = useMemo(
    () => categoryColours([...preview.seats.map((s) => s.category), ...preview.areas.map((a) => a.category)].filter(Boolean)),
    [preview],
  );
  // Standing areas drawn as the seat map draws them: their ground around their outline.
  const areaShapes = useMemo(
    () =>
      preview.areas.map((a) => ({
        area: a,
        shape: standingShapes([{ section: a.name, category: a.category, outline: a.outline.map(([x, y]) => ({ x, y })) }])[0],
      })),
    [preview],
  );
  const box = preview.box;
  const cell = box.x1 - box.x0 > 64 || box.y1 - box.y0 > 64 ? 6 : 14;
  // Preview units (seat places) to pixels on the canvas.
  const px = (x: number) => (x - box.x0) * cell;
  const py = (y: number) => (y - box.y0) * cell;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const body = layoutBody(name, sections, stage);
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
          <fieldset className="stage-edit">
            <legend>Stage</legend>
            <label>
              <input type="checkbox" checked={stage.enabled} onChange={(e) => setStage((st) => ({ ...st, enabled: e.target.checked }))} /> This layout has a
              stage (its focal point)
            </label>
            {stage.enabled && (
              <div className="slot-fields">
                <label>
                  Stage label
                  <input value={stage.label} required size={14} onChange={(e) => setStage((st) => ({ ...st, label: e.target.value }))} />
                </label>
                <label>
                  Stage x
                  <input value={stage.x} inputMode="decimal" size={6} onChange={(e) => setStage((st) => ({ ...st, x: e.target.value }))} />
                </label>
                <label>
                  Stage y
                  <input value={stage.y} inputMode="decimal" size={6} onChange={(e) => setStage((st) => ({ ...st, y: e.target.value }))} />
                </label>
              </div>
            )}
            <p className="muted field-help">
              In seat widths (x to the right, y downwards). Best available seats are those nearest the stage, and buyers see it on the
              seat map.
            </p>
          </fieldset>
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

              <div className="placement">
                <label>
                  <input type="checkbox" checked={s.placed} onChange={(e) => update(si, (x) => ({ ...x, placed: e.target.checked }))} /> Place and turn
                  this section
                </label>
                {s.placed && (
                  <>
                    <div className="slot-fields">
                      <label>
                        Front row middle x
                        <input value={s.position.x} inputMode="decimal" size={6} onChange={(e) => updatePosition(si, { x: e.target.value })} />
                      </label>
                      <label>
                        Front row middle y
                        <input value={s.position.y} inputMode="decimal" size={6} onChange={(e) => updatePosition(si, { y: e.target.value })} />
                      </label>
                      <label>
                        Rotation (degrees clockwise)
                        <input value={s.position.rotation} inputMode="decimal" size={6} onChange={(e) => updatePosition(si, { rotation: e.target.value })} />
                      </label>
                    </div>
                    <p className="muted field-help">
                      {s.kind === 'standing'
                        ? 'The middle of the area’s front edge goes to (x, y), e.g. just in front of the stage (an area wider than the widest row: the point of its front edge in line with that row’s middle).'
                        : 'The front row’s middle goes to (x, y).'}{' '}
                      Rotation 0 faces up (a section below the stage), 180 faces down (above it), 90 faces right (left of it), −90 faces
                      left (right of it).
                    </p>
                  </>
                )}
              </div>

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
                          <th scope="col">Curve</th>
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
                                <input
                                  aria-label={`${name} curve`}
                                  value={r.curve}
                                  size={4}
                                  inputMode="decimal"
                                  placeholder="0"
                                  onChange={(e) => updateRow(si, ri, { curve: e.target.value })}
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
                    stage unless the row is numbered right to left. A curve brings the row’s ends forward by that many rows (−100 to 100;
                    negative bends them back).
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
          <div className="preview-canvas" aria-hidden="true" style={{ width: (box.x1 - box.x0) * cell, height: (box.y1 - box.y0) * cell }}>
            {preview.stage && (
              <div
                className="preview-stage"
                data-testid="preview-stage"
                style={{
                  left: px(preview.stage.x + 0.5),
                  top: py(preview.stage.y + 0.5),
                  minWidth: 4 * cell,
                  height: Math.max(0.8 * cell, 12),
                  padding: '0 4px',
                  fontSize: Math.max(9, cell * 0.75),
                }}
              >
                {preview.stage.label}
              </div>
            )}
            {areaShapes.length > 0 && (
              <svg className="preview-areas" width={(box.x1 - box.x0) * cell} height={(box.y1 - box.y0) * cell}>
                {areaShapes.map(({ area, shape }) =>
                  shape ? (
                    <polygon
                      key={`area-${area.key}`}
                      className="preview-area-ground"
                      data-testid="preview-area"
                      fill={colours.get(area.category) ?? '#ddd'}
                      points={shape.hull.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}
                    />
                  ) : null,
                )}
              </svg>
            )}
            {areaShapes.map(({ area, shape }) =>
              shape ? (
                <span
                  key={`area-name-${area.key}`}
                  className="preview-label preview-label-centred preview-area-name"
                  style={{ top: py(shape.cy), left: px(shape.cx), fontSize: Math.max(9, cell * 0.75) }}
                >
                  {area.name} · {area.places} standing
                </span>
              ) : null,
            )}
            {preview.labels.map((l) =>
              l.centred ? (
                <span
                  key={l.key}
                  className="preview-label preview-label-centred"
                  style={{ top: py(l.y + 0.5), left: px(l.x + 0.5), fontSize: Math.max(9, cell * 0.75) }}
                >
                  {cell >= 10 || l.key.endsWith('-name') ? l.label : ''}
                </span>
              ) : l.under ? (
                <span key={l.key} className="preview-label" style={{ top: py(l.y), left: px(l.x), fontSize: Math.max(9, cell * 0.75) }}>
                  {l.label}
                </span>
              ) : (
                <span key={l.key} className="preview-label" style={{ top: py(l.y), left: px(l.x - 1.5) - 2, fontSize: cell * 0.8 }}>
                  {cell >= 10 ? l.label : ''}
                </span>
              ),
            )}
            {preview.seats.slice(0, 20000).map((s) => (
              <span
                key={s.key}
                className={s.wheelchair ? 'preview-seat preview-wheelchair' : 'preview-seat'}
                style={{
                  left: px(s.x),
                  top: py(s.y),
                  width: cell - 2,
                  height: cell - 2,
                  background: colours.get(s.category),
                  transform: s.angle ? `rotate(${s.angle}deg)` : undefined,
                }}
              />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
