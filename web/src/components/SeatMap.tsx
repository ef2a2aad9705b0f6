import { memo, useCallback, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { Seat, SeatState } from '../api/client';
import { formatPrice, statusWord } from '../format';

export interface SeatMapProps {
  /** The seats' static data (label, position, category, price), as loaded. */
  seats: readonly Seat[];
  /** The layout's focal point ("Screen", "Stage"), drawn as a labelled bar, in the seats' coordinates. */
  stage?: MapStage | null;
  /** Live status per seat id (falls back to the seat's loaded status). */
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  colours: ReadonlyMap<string, string>;
  onToggle(id: number): void;
  /** Initial seat size in px (defaults by venue size); the zoom buttons change it. */
  seatSize?: number;
  /** Which statuses can be selected (default: available seats only). */
  selectable?(status: SeatState): boolean;
}

const onlyAvailable = (status: SeatState) => status === 'AVAILABLE';

/** Wheelchair spaces and aisle seats say so: `features` from the seat map. */
function featureWords(seat: Seat): string {
  const words = [];
  if (seat.features?.includes('wheelchair')) words.push('wheelchair space');
  if (seat.features?.includes('aisle')) words.push('aisle');
  return words.map((w) => `, ${w}`).join('');
}

export function seatName(seat: Seat, status: SeatState): string {
  return `Seat ${seat.label}${featureWords(seat)}, ${seat.category}, ${formatPrice(seat.price_cents)}, ${statusWord(status)}`;
}

const SYMBOL: Record<SeatState, string> = { AVAILABLE: '', HELD: '◐', BOOKED: '✕', BLOCKED: '⊘' };

interface SeatButtonProps {
  seat: Seat;
  status: SeatState;
  selected: boolean;
  selectable: boolean;
  focusable: boolean;
  colour: string;
  left: number;
  top: number;
  size: number;
  showNumber: boolean;
  /** Degrees the seat is turned with its row (0 for rows drawn level); its number stays upright. */
  angle: number;
}

const SeatButton = memo(function SeatButton(p: SeatButtonProps) {
  const { seat, status, selected } = p;
  const available = status === 'AVAILABLE';
  const wheelchair = seat.features?.includes('wheelchair') ?? false;
  return (
    <button
      type="button"
      className={`seat seat-${status.toLowerCase()}${selected ? ' seat-selected' : ''}`}
      style={{
        left: p.left,
        top: p.top,
        width: p.size - 3,
        height: p.size - 3,
        backgroundColor: available ? p.colour : undefined,
        fontSize: Math.max(8, Math.floor(p.size * 0.42)),
        transform: p.angle ? `rotate(${p.angle}deg)` : undefined,
      }}
      data-seat-id={seat.id}
      aria-label={seatName(seat, status)}
      aria-pressed={selected}
      aria-disabled={p.selectable ? undefined : true}
      tabIndex={p.focusable ? 0 : -1}
    >
      <span aria-hidden="true" style={p.angle ? { display: 'inline-block', transform: `rotate(${-p.angle}deg)` } : undefined}>
        {selected ? '✓' : available ? (wheelchair ? '♿' : p.showNumber ? seat.number : '') : SYMBOL[status]}
      </span>
    </button>
  );
});

/** A layout's focal point as the seat map gives it (same coordinates as the seats). */
export interface MapStage {
  label: string;
  x: number;
  y: number;
}

/** One row of seats (a section's row label), drawn as one strip. Units are seat widths. */
interface RowStrip {
  key: string;
  section: string;
  label: string;
  /** Seat ids along the row: by number, turned round when that runs right to left on screen. */
  ids: number[];
  /** The box the row's seats cover (a seat at (x, y) covers x..x+1, y..y+1), padded for turned seats. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Degrees the row's seats are turned (their row's direction modulo a quarter turn); 0 when level. */
  angle: number;
}

/**
 * A text on the map; `x`/`y` in seat units: its left end (`left`), its right end (`right`), or (`center`) the
 * point just past the seats it labels, from where it is pushed out along (`dx`, `dy`) by half its own size.
 */
interface MapText {
  key: string;
  text: string;
  x: number;
  y: number;
  align: 'left' | 'right' | 'center';
  dx?: number;
  dy?: number;
}

export interface Structure {
  /** Rows in layout order (front to back, section by section), each a list of seat ids along the row. */
  rows: number[][];
  strips: RowStrip[];
  /** seat id → [row index, index in row] */
  pos: Map<number, [number, number]>;
  byId: Map<number, Seat>;
  /**
   * Whether the seats lie on the old grid: level rows, sections stacked front to back. Then section names
   * sit above their sections at the left and row labels left of their rows, as always; otherwise (turned or
   * moved sections, curved rows) a section's name sits behind its back row, a row's label beyond its first seat.
   */
  grid: boolean;
  sections: MapText[];
  rowLabels: MapText[];
  /** The stage's middle and size in seat units (drawn as a labelled bar). */
  stage?: { label: string; cx: number; cy: number; w: number; h: number };
  /** The seats' box in seat units. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const LABEL_COLS = 1.6;
/** Turned seats reach this far (seat units) beyond their unturned box: (√2 − 1) / 2. */
const TURN_PAD = 0.21;
/** Rows turned less than this (degrees, modulo 90) keep level seats: they do not overlap. */
const MIN_TURN = 5;

function quarterAngle(dx: number, dy: number): number {
  if (dx === 0 && dy === 0) return 0;
  let a = (((Math.atan2(dy, dx) * 180) / Math.PI) % 90 + 90) % 90;
  if (a > 45) a -= 90;
  return Math.abs(a) < MIN_TURN ? 0 : Math.round(a * 10) / 10;
}

const unit = (x: number, y: number): [number, number] => {
  const l = Math.hypot(x, y);
  return l < 1e-9 ? [0, 0] : [x / l, y / l];
};

export function buildStructure(seats: readonly Seat[], stage?: MapStage | null): Structure {
  const byId = new Map<number, Seat>();
  // Rows by section and label, in layout order (the lowest seat id first: ids follow sections, then rows).
  const groups = new Map<string, { section: string; label: string; seats: Seat[]; firstId: number }>();
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const s of seats) {
    byId.set(s.id, s);
    const key = `${s.section}\u0000${s.row}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { section: s.section, label: s.row, seats: [], firstId: s.id }));
    g.seats.push(s);
    if (s.id < g.firstId) g.firstId = s.id;
    if (s.x < minX) minX = s.x;
    if (s.y < minY) minY = s.y;
    if (s.x > maxX) maxX = s.x;
    if (s.y > maxY) maxY = s.y;
  }
  if (seats.length === 0) minX = minY = maxX = maxY = 0;
  const ordered = [...groups].sort((a, b) => a[1].firstId - b[1].firstId);

  const strips: RowStrip[] = [];
  for (const [key, g] of ordered) {
    const row = g.seats.sort((a, b) => a.number - b.number);
    const first = row[0];
    const last = row[row.length - 1];
    // Left and right keep their meaning on screen for rows drawn across (right-to-left numbering, a turned section).
    if (Math.abs(last.x - first.x) >= Math.abs(last.y - first.y) && last.x < first.x) row.reverse();
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const s of row) {
      if (s.x < x0) x0 = s.x;
      if (s.y < y0) y0 = s.y;
      if (s.x > x1) x1 = s.x;
      if (s.y > y1) y1 = s.y;
    }
    strips.push({ key, section: g.section, label: g.label, ids: row.map((s) => s.id), x0, y0, x1: x1 + 1, y1: y1 + 1, angle: quarterAngle(last.x - first.x, last.y - first.y) });
  }
  // A one-seat row turns with its section's other rows.
  const sectionAngle = new Map<string, number>();
  for (const r of strips) if (r.ids.length > 1 && !sectionAngle.has(r.section)) sectionAngle.set(r.section, r.angle);
  for (const r of strips) {
    if (r.ids.length === 1) r.angle = sectionAngle.get(r.section) ?? 0;
    if (r.angle !== 0) {
      r.x0 -= TURN_PAD;
      r.y0 -= TURN_PAD;
      r.x1 += TURN_PAD;
      r.y1 += TURN_PAD;
      minX = Math.min(minX, r.x0);
      minY = Math.min(minY, r.y0);
      maxX = Math.max(maxX, r.x1 - 1);
      maxY = Math.max(maxY, r.y1 - 1);
    }
  }
  const rows = strips.map((r) => r.ids);
  const pos = new Map<number, [number, number]>();
  rows.forEach((r, ri) => r.forEach((id, ci) => pos.set(id, [ri, ci])));

  // The old grid: every row level, each row behind the one before, each section below the one before.
  let grid = true;
  for (let i = 0; i < strips.length && grid; i++) {
    const r = strips[i];
    const ys = r.ids.map((id) => byId.get(id)!.y);
    if (Math.max(...ys) - Math.min(...ys) > 1e-6) grid = false;
    else if (i > 0 && byId.get(strips[i - 1].ids[0])!.y >= ys[0]) grid = false;
  }

  const sections: MapText[] = [];
  const rowLabels: MapText[] = [];
  const centre = (id: number): [number, number] => {
    const s = byId.get(id)!;
    return [s.x + 0.5, s.y + 0.5];
  };
  const stageC: [number, number] | undefined = stage ? [stage.x + 0.5, stage.y + 0.5] : undefined;
  if (grid) {
    const seen = new Set<string>();
    for (const r of strips) {
      const s = byId.get(r.ids[0])!;
      if (!seen.has(r.section)) {
        seen.add(r.section);
        sections.push({ key: r.section, text: r.section, x: minX - LABEL_COLS, y: s.y - 1, align: 'left' });
      }
      rowLabels.push({ key: r.key, text: r.label, x: s.x - 0.1, y: s.y, align: 'right' });
    }
  } else {
    const bySection = new Map<string, RowStrip[]>();
    for (const r of strips) {
      let l = bySection.get(r.section);
      if (!l) bySection.set(r.section, (l = []));
      l.push(r);
    }
    const mean = (ids: number[]): [number, number] => {
      let x = 0;
      let y = 0;
      for (const id of ids) {
        const [cx, cy] = centre(id);
        x += cx;
        y += cy;
      }
      return [x / ids.length, y / ids.length];
    };
    for (const [name, rs] of bySection) {
      const all = rs.flatMap((r) => r.ids);
      const [cx, cy] = mean(all);
      const [fx, fy] = mean(rs[0].ids);
      const [bx, by] = mean(rs[rs.length - 1].ids);
      // The name goes behind the section (front row → back row), or away from the stage for a one-row section.
      let d = Math.hypot(bx - fx, by - fy) > 0.5 ? unit(bx - fx, by - fy) : stageC ? unit(cx - stageC[0], cy - stageC[1]) : ([0, -1] as [number, number]);
      if (d[0] === 0 && d[1] === 0) d = [0, -1];
      let reach = 0;
      for (const id of all) {
        const [sx, sy] = centre(id);
        reach = Math.max(reach, (sx - cx) * d[0] + (sy - cy) * d[1]);
      }
      const out = reach + 0.6;
      sections.push({ key: name, text: name, x: cx + d[0] * out, y: cy + d[1] * out, align: 'center', dx: d[0], dy: d[1] });
    }
    for (const r of strips) {
      const [ex, ey] = centre(r.ids[0]);
      const [dx, dy] = r.ids.length > 1 ? unit(ex - centre(r.ids[1])[0], ey - centre(r.ids[1])[1]) : [-1, 0];
      rowLabels.push({ key: r.key, text: r.label, x: ex + dx * 0.6, y: ey + dy * 0.6, align: 'center', dx, dy });
    }
  }

  let stageBox: Structure['stage'];
  if (stage) {
    const span = grid ? (maxX + 1 - minX) * 0.6 : 0;
    stageBox = { label: stage.label, cx: stage.x + 0.5, cy: stage.y + 0.5, w: Math.max(4, span), h: 0.8 };
  }
  return { rows, strips, pos, byId, grid, sections, rowLabels, stage: stageBox, minX, minY, maxX, maxY };
}

/** Estimated text widths (px): the frame makes room for labels before they are laid out. */
const textWidth = (text: string, px: number) => text.length * px * 0.6 + 8;
const SECTION_FONT = 13.6;
const stageFont = (size: number) => Math.max(10, Math.min(15, Math.round(size * 0.5)));
const rowFont = (size: number) => Math.max(9, Math.floor(size * 0.4));

/** Where a `center` text's middle goes (px, before the frame's offset), and its half width and height. */
function textCentre(t: MapText, size: number, font: number): { x: number; y: number; hw: number; hh: number } {
  const hw = textWidth(t.text, font) / 2;
  const hh = font * 0.6;
  const dx = t.dx ?? 0;
  const dy = t.dy ?? 0;
  const push = hw * Math.abs(dx) + hh * Math.abs(dy) + 2;
  return { x: t.x * size + dx * push, y: t.y * size + dy * push, hw, hh };
}

export interface MapFrame {
  /** Pixel position of seat unit 0 (add `x * size`). */
  ox: number;
  oy: number;
  width: number;
  height: number;
  /** The stage bar in pixels (its label may be wider than its units). */
  stage?: { left: number; top: number; width: number; height: number; font: number };
}

/**
 * Where the drawing sits at a seat size: everything (seats, stage, section names, row labels) inside
 * (0, 0)–(width, height).
 */
export function mapFrame(st: Structure, size: number): MapFrame {
  // The old grid without a stage keeps its old pixel positions exactly.
  const pad = st.grid && !st.stage ? 0 : 6;
  let x0 = st.minX * size;
  let y0 = st.minY * size;
  let x1 = (st.maxX + 1) * size;
  let y1 = (st.maxY + 1) * size;
  const take = (l: number, t: number, r: number, b: number) => {
    x0 = Math.min(x0, l);
    y0 = Math.min(y0, t);
    x1 = Math.max(x1, r);
    y1 = Math.max(y1, b);
  };
  for (const s of st.sections) {
    if (s.align === 'left') take(s.x * size, s.y * size, s.x * size + textWidth(s.text, SECTION_FONT), s.y * size + 20);
    else {
      const c = textCentre(s, size, SECTION_FONT);
      take(c.x - c.hw, c.y - c.hh, c.x + c.hw, c.y + c.hh);
    }
  }
  for (const r of st.rowLabels) {
    if (r.align === 'right') take((r.x - 1.4) * size, r.y * size, r.x * size, (r.y + 1) * size);
    else {
      const c = textCentre(r, size, rowFont(size));
      take(c.x - c.hw, c.y - c.hh, c.x + c.hw, c.y + c.hh);
    }
  }
  let stage: MapFrame['stage'];
  if (st.stage) {
    const font = stageFont(size);
    const w = Math.max(st.stage.w * size, textWidth(st.stage.label, font) + 8);
    const h = Math.max(st.stage.h * size, font + 4);
    let top = st.stage.cy * size - h / 2;
    // In a plain hall a stage in front of the first row stays clear of the first section's name above that row.
    const first = st.sections[0];
    if (st.grid && first && st.stage.cy < st.minY) top = Math.min(top, first.y * size - 2 - h);
    stage = { left: st.stage.cx * size - w / 2, top, width: w, height: h, font };
    take(stage.left, stage.top, stage.left + w, stage.top + h);
  }
  const ox = pad - x0;
  const oy = pad - y0;
  if (stage) stage = { ...stage, left: stage.left + ox, top: stage.top + oy };
  return { ox, oy, width: Math.ceil(x1 - x0 + 2 * pad), height: Math.ceil(y1 - y0 + 2 * pad), stage };
}

/** The next seat for an arrow / Home / End key, or undefined: along the row, or to the nearest seat of the row in front (up) or behind (down). */
export function moveFocus(st: Structure, from: number, key: string): number | undefined {
  const p = st.pos.get(from);
  if (!p) return undefined;
  const [ri, ci] = p;
  const row = st.rows[ri];
  switch (key) {
    case 'ArrowLeft':
      return row[ci - 1];
    case 'ArrowRight':
      return row[ci + 1];
    case 'Home':
      return row[0];
    case 'End':
      return row[row.length - 1];
    case 'ArrowUp':
    case 'ArrowDown': {
      const target = st.rows[ri + (key === 'ArrowUp' ? -1 : 1)];
      if (!target) return undefined;
      const { x, y } = st.byId.get(from)!;
      let best = target[0];
      let bestD = Infinity;
      for (const id of target) {
        const s = st.byId.get(id)!;
        const d = Math.hypot(s.x - x, s.y - y);
        if (d < bestD - 1e-9) {
          bestD = d;
          best = id;
        }
      }
      return best;
    }
    default:
      return undefined;
  }
}

/** Seat sizes (px) the zoom buttons step through. Below 20 px seat numbers are hidden. */
export const ZOOM_STEPS = [8, 12, 16, 22, 30, 40] as const;

/** The map; memoised, so a page re-rendering for other reasons (a standing area's places left) skips its thousands of seats. */
export const SeatMap = memo(function SeatMap({ seats, stage, statuses, selected, colours, onToggle, seatSize, selectable = onlyAvailable }: SeatMapProps) {
  const st = useMemo(() => buildStructure(seats, stage), [seats, stage]);
  const [size, setSize] = useState<number>(seatSize ?? (seats.length > 2000 ? 22 : 30));
  const zoomIn = ZOOM_STEPS.find((z) => z > size);
  const zoomOut = [...ZOOM_STEPS].reverse().find((z) => z < size);
  const frame = useMemo(() => mapFrame(st, size), [st, size]);
  const ref = useRef<HTMLDivElement>(null);
  const [focusId, setFocusId] = useState<number | undefined>(undefined);

  const statusOf = (s: Seat) => statuses.get(s.id) ?? s.status;
  // The one seat in the tab order (roving tabindex): the last focused, else the first available.
  const rovingId = useMemo(() => {
    if (focusId !== undefined && st.byId.has(focusId)) return focusId;
    for (const r of st.rows) for (const id of r) if ((statuses.get(id) ?? st.byId.get(id)!.status) === 'AVAILABLE') return id;
    return st.rows[0]?.[0];
  }, [focusId, st, statuses]);

  const seatFromEvent = (target: EventTarget | null): number | undefined => {
    const el = (target as HTMLElement | null)?.closest?.('[data-seat-id]');
    return el ? Number(el.getAttribute('data-seat-id')) : undefined;
  };

  const onClick = useCallback(
    (e: MouseEvent) => {
      const id = seatFromEvent(e.target);
      if (id === undefined) return;
      setFocusId(id);
      const seat = st.byId.get(id);
      if (seat && selectable(statuses.get(id) ?? seat.status)) onToggle(id);
    },
    [st, statuses, onToggle, selectable],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      const id = seatFromEvent(e.target);
      if (id === undefined) return;
      const next = moveFocus(st, id, e.key);
      if (next === undefined) {
        if (e.key.startsWith('Arrow')) e.preventDefault();
        return;
      }
      e.preventDefault();
      setFocusId(next);
      const el = ref.current?.querySelector<HTMLElement>(`[data-seat-id="${next}"]`);
      el?.focus();
    },
    [st],
  );

  const { ox, oy } = frame;
  const rowFontPx = rowFont(size);
  return (
    <>
      <div className="zoom" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomOut && setSize(zoomOut)} disabled={!zoomOut} aria-label="Zoom out">
          −
        </button>
        <output aria-live="polite">{Math.round((size / 30) * 100)}%</output>
        <button type="button" onClick={() => zoomIn && setSize(zoomIn)} disabled={!zoomIn} aria-label="Zoom in">
          +
        </button>
      </div>
      <div className="seatmap-scroll">
        <div
          ref={ref}
          className="seatmap"
          role="group"
          aria-label="Seat map. Use the arrow keys to move between seats, Enter or Space to select."
          style={{ width: frame.width, height: frame.height }}
          onClick={onClick}
          onKeyDown={onKeyDown}
        >
          {st.stage && frame.stage && (
            <div
              className="stage"
              data-testid="stage"
              style={{ left: frame.stage.left, top: frame.stage.top, width: frame.stage.width, height: frame.stage.height, fontSize: frame.stage.font }}
            >
              {st.stage.label}
            </div>
          )}
          {st.sections.map((s) => {
            const c = s.align === 'center' ? textCentre(s, size, SECTION_FONT) : { x: s.x * size, y: s.y * size };
            return (
              <div
                key={`sec-${s.key}`}
                className={s.align === 'center' ? 'section-label section-label-placed' : 'section-label'}
                aria-hidden="true"
                style={{ top: c.y + oy, left: c.x + ox }}
              >
                {s.text}
              </div>
            );
          })}
          {st.rowLabels.map((r) =>
            r.align === 'right' ? (
              <div
                key={`row-${r.key}`}
                className="row-label"
                aria-hidden="true"
                style={{ top: r.y * size + oy, left: (r.x - 1.4) * size + ox, width: size * 1.4, height: size - 3, fontSize: rowFontPx }}
              >
                {r.text}
              </div>
            ) : (
              <div
                key={`row-${r.key}`}
                className="row-label row-label-placed"
                aria-hidden="true"
                style={{ top: textCentre(r, size, rowFontPx).y + oy, left: textCentre(r, size, rowFontPx).x + ox, fontSize: rowFontPx }}
              >
                {r.text}
              </div>
            ),
          )}
          {st.strips.map((r) => {
            // One positioned strip per row with content-visibility: auto, so the browser skips style, layout and
            // paint for rows scrolled out of view (big venues). It covers its seats' box (turned seats' corners,
            // the focus ring) and the seats sit inside it.
            const pad = 4;
            const left = r.x0 * size + ox - pad;
            const top = r.y0 * size + oy - pad;
            return (
              <div key={r.key} className="seat-row" style={{ left, top, width: (r.x1 - r.x0) * size + 2 * pad, height: (r.y1 - r.y0) * size + 2 * pad }}>
                {r.ids.map((id) => {
                  const s = st.byId.get(id)!;
                  const status = statusOf(s);
                  return (
                    <SeatButton
                      key={id}
                      seat={s}
                      status={status}
                      selected={selected.has(id)}
                      selectable={selectable(status)}
                      focusable={id === rovingId}
                      colour={colours.get(s.category) ?? '#ddd'}
                      left={(s.x - r.x0) * size + pad}
                      top={(s.y - r.y0) * size + pad}
                      size={size}
                      showNumber={size >= 20}
                      angle={r.angle}
                    />
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
});

export function Legend({ colours, prices }: { colours: ReadonlyMap<string, string>; prices: Record<string, number> }) {
  return (
    <ul className="legend" aria-label="Legend">
      {[...colours].map(([cat, colour]) => (
        <li key={cat}>
          <span className="swatch" style={{ backgroundColor: colour }} aria-hidden="true" /> {cat}
          {prices[cat] !== undefined ? ` – ${formatPrice(prices[cat])}` : ''}
        </li>
      ))}
      <li>
        <span className="swatch seat-selected" aria-hidden="true">✓</span> selected
      </li>
      <li>
        <span className="swatch seat-held" aria-hidden="true">◐</span> held
      </li>
      <li>
        <span className="swatch seat-booked" aria-hidden="true">✕</span> booked
      </li>
      <li>
        <span className="swatch seat-blocked" aria-hidden="true">⊘</span> not for sale
      </li>
      <li>
        <span className="swatch" aria-hidden="true">♿</span> wheelchair space
      </li>
    </ul>
  );
}
