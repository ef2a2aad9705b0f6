import type { Layout, LayoutRow, LayoutSection, NewLayout } from '../../api/client';
import { convexHull } from '../../components/mapGeometry';
import { formatList } from '../../format';

/** A section is rows of seats, a standing area (a number of places), or a practitioner's appointment slots. */
export type SectionKind = 'rows' | 'standing' | 'slots';

export interface DraftRow {
  label: string;
  seats: number;
  /** Category override; empty: the section's. */
  category: string;
  /** Seat numbers with an aisle after them, as typed ("4, 10"). */
  aisles: string;
  /** Seat numbers that do not exist (a pillar), as typed. */
  missing: string;
  /** Wheelchair spaces, as typed. */
  wheelchair: string;
  /** Seat 1 at the right end, seen from the stage. */
  rightToLeft: boolean;
  /** How far the row's ends come forward, in row depths, as typed; empty: a straight row. */
  curve: string;
}

/** Where a section sits, as typed: its front row's middle on (x, y), turned clockwise by `rotation` degrees. */
export interface DraftPlacement {
  x: string;
  y: string;
  rotation: string;
}

/** The layout's focal point, as typed. */
export interface DraftStage {
  enabled: boolean;
  label: string;
  x: string;
  y: string;
}

export interface DraftSlots {
  from: string;
  to: string;
  minutes: number;
}

export interface DraftSection {
  name: string;
  category: string;
  kind: SectionKind;
  rows: DraftRow[];
  /** Places of a standing area. */
  standing: number;
  slots: DraftSlots;
  /** Whether the section is placed (moved and turned) rather than stacked behind the one before. */
  placed: boolean;
  position: DraftPlacement;
}

export const MAX_SEATS_PER_ROW = 500;
export const MAX_STANDING = 50_000;

export const MAX_COORDINATE = 100_000;
export const MAX_CURVE = 100;

export const newRow = (label: string, seats = 10): DraftRow => ({ label, seats, category: '', aisles: '', missing: '', wheelchair: '', rightToLeft: false, curve: '' });

export const noStage = (): DraftStage => ({ enabled: false, label: 'Stage', x: '0', y: '0' });

export const newSection = (name: string, rowLabel: string): DraftSection => ({
  name,
  category: 'standard',
  kind: 'rows',
  rows: [newRow(rowLabel)],
  standing: 500,
  slots: { from: '09:00', to: '12:00', minutes: 15 },
  placed: false,
  position: { x: '0', y: '0', rotation: '0' },
});

/** A typed number ("-2.5"), or null when it is not one. */
export function parseDecimal(text: string): number | null {
  const t = text.trim().replace(/^\u2212/, '-');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A placement or the stage's point: finite and within ±MAX_COORDINATE, as the service wants it. */
const coordinate = (text: string): number | null => {
  const n = parseDecimal(text);
  return n !== null && Math.abs(n) <= MAX_COORDINATE ? n : null;
};

/** A typed curve: null when empty or 0 (a straight row), a number within ±MAX_CURVE, or undefined when unreadable. */
function curveOf(text: string): number | null | undefined {
  if (!text.trim()) return null;
  const n = parseDecimal(text);
  if (n === null || Math.abs(n) > MAX_CURVE) return undefined;
  return n === 0 ? null : n;
}

/** A section's placement as numbers, or null when it is not placed or does not read. */
function placementOf(s: DraftSection): Placement | null {
  if (!s.placed) return null;
  const x = coordinate(s.position.x);
  const y = coordinate(s.position.y);
  const rotation = s.position.rotation.trim() === '' ? 0 : parseDecimal(s.position.rotation);
  return x === null || y === null || rotation === null ? null : { x, y, rotation };
}

function stageOf(stage: DraftStage | undefined): { label: string; x: number; y: number } | null {
  if (!stage?.enabled) return null;
  const x = coordinate(stage.x);
  const y = coordinate(stage.y);
  return x === null || y === null || !stage.label.trim() ? null : { label: stage.label.trim(), x, y };
}

/** Where a section sits, in the drawing's units (seat widths and row depths). */
export interface Placement {
  x: number;
  y: number;
  /** Degrees clockwise; 0 faces up (towards lower y). */
  rotation: number;
}

/**
 * How far forward (towards lower y) the seat at `place` (seat places from the row's left end) of a row
 * `width` places wide comes with `curve`: a parabola through the row's middle, `curve` row depths at its
 * ends — the service's `bend`.
 */
export function rowBend(width: number, place: number, curve: number): number {
  if (!curve) return 0;
  const half = Math.max(1, (width - 1) / 2);
  const fromMiddle = (place - (width - 1) / 2) / half;
  return curve * fromMiddle * fromMiddle;
}

/**
 * A point of a section drawn stacked, turned clockwise by `p.rotation` degrees about its front row's middle
 * (`middle`, `top`: the middle of the widest row and the section's stacked top) and moved there onto
 * (`p.x`, `p.y`) — the service's `place_sections` (before the drawing is moved to start at 0, 0).
 */
export function placePoint(x: number, y: number, middle: number, top: number, p: Placement): [number, number] {
  const r = (p.rotation * Math.PI) / 180;
  const sin = Math.sin(r);
  const cos = Math.cos(r);
  const dx = x - middle;
  const dy = y - top;
  return [p.x + dx * cos - dy * sin, p.y + dx * sin + dy * cos];
}

/** "3, 7 10" → [3, 7, 10]; "" → []; null when something is not a whole number above 0. */
export function parseNumberList(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < 1) return null;
    out.push(Number(p));
  }
  return out;
}

const MINUTE_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minuteOfDay(hhmm: string): number | null {
  const m = MINUTE_OF_DAY.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The start minutes of a session's slots, as the service makes them (the last one ends at or before `to`); [] when none fit. */
export function slotStarts(slots: DraftSlots): number[] {
  const from = minuteOfDay(slots.from);
  const to = minuteOfDay(slots.to);
  if (from === null || to === null || !(slots.minutes >= 5 && slots.minutes <= 480)) return [];
  const out: number[] = [];
  for (let t = from; t + slots.minutes <= to && out.length < MAX_SEATS_PER_ROW; t += slots.minutes) out.push(t);
  return out;
}

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** "12 slots, 09:00 to 11:45 starts": what a slots section gives, or why it gives none. */
export function describeSlots(slots: DraftSlots): string {
  if (minuteOfDay(slots.from) === null || minuteOfDay(slots.to) === null) return 'Enter the times as HH:MM.';
  if (!(slots.minutes >= 5 && slots.minutes <= 480)) return 'Slots last 5 to 480 minutes.';
  const starts = slotStarts(slots);
  if (starts.length === 0) return `No ${slots.minutes}-minute slot fits from ${slots.from} to ${slots.to}.`;
  const last = starts[starts.length - 1];
  return `${starts.length} slot${starts.length === 1 ? '' : 's'} of ${slots.minutes} minutes, the last ${hhmm(last)}–${hhmm(last + slots.minutes)}.`;
}

/** A row's numbers as the service takes them, or what is wrong with the typed lists. */
function rowSpec(r: DraftRow): LayoutRow | string {
  const lists: [string, string, keyof LayoutRow][] = [
    ['aisles after', r.aisles, 'gaps_after'],
    ['missing seats', r.missing, 'missing'],
    ['wheelchair spaces', r.wheelchair, 'accessible'],
  ];
  const row: LayoutRow = { label: r.label.trim(), seats: r.seats };
  if (r.category.trim()) row.category = r.category.trim();
  for (const [what, text, key] of lists) {
    const numbers = parseNumberList(text);
    if (!numbers) return `Row ${r.label}: ${what} must be seat numbers separated by commas.`;
    const outside = numbers.filter((n) => n > r.seats);
    if (outside.length > 0) return `Row ${r.label}: ${what} ${formatList(outside.map(String))} ${outside.length === 1 ? 'is' : 'are'} not in a row of ${r.seats}.`;
    if (numbers.length > 0) (row as Record<string, unknown>)[key] = numbers;
  }
  if (r.rightToLeft) row.numbering = 'right_to_left';
  const curve = curveOf(r.curve);
  if (curve === undefined) return `Row ${r.label}: curve must be a number between -${MAX_CURVE} and ${MAX_CURVE} (row depths).`;
  if (curve !== null) row.curve = curve;
  return row;
}

/** The layout to post, or the first thing the form must fix (the service checks the rest and says so). */
export function layoutBody(name: string, sections: readonly DraftSection[], stage?: DraftStage): NewLayout | string {
  const out: LayoutSection[] = [];
  for (const s of sections) {
    const base: Pick<LayoutSection, 'name' | 'category' | 'position'> = { name: s.name.trim(), category: s.category.trim() };
    if (s.placed) {
      if (coordinate(s.position.x) === null || coordinate(s.position.y) === null)
        return `Section ${s.name}: x and y must be numbers within ±${MAX_COORDINATE}.`;
      const p = placementOf(s);
      if (!p) return `Section ${s.name}: rotation must be a number of degrees.`;
      base.position = p;
    }
    if (s.kind === 'standing') {
      if (!Number.isInteger(s.standing) || s.standing < 1 || s.standing > MAX_STANDING)
        return `Section ${s.name}: a standing area has 1 to ${MAX_STANDING} places.`;
      out.push({ ...base, standing: s.standing });
    } else if (s.kind === 'slots') {
      if (slotStarts(s.slots).length === 0) return `Section ${s.name}: ${describeSlots(s.slots)}`;
      out.push({ ...base, slots: { from: s.slots.from, to: s.slots.to, minutes: s.slots.minutes } });
    } else {
      const rows: LayoutRow[] = [];
      for (const r of s.rows) {
        const row = rowSpec(r);
        if (typeof row === 'string') return row;
        rows.push(row);
      }
      out.push({ ...base, rows });
    }
  }
  const body: NewLayout = { name: name.trim(), sections: out };
  if (stage?.enabled) {
    if (!stage.label.trim()) return 'The stage needs a label (Stage, Screen, …).';
    const st = stageOf(stage);
    if (!st) return `The stage: x and y must be numbers within ±${MAX_COORDINATE}.`;
    body.stage = st;
  }
  return body;
}

export interface PreviewSeat {
  key: string;
  x: number;
  y: number;
  category: string;
  wheelchair: boolean;
  /** Degrees a placed section's seat squares are turned (its rotation modulo 90), when not level. */
  angle?: number;
}
export interface PreviewArea {
  key: string;
  name: string;
  category: string;
  places: number;
  /**
   * Its outline as the seat map gets it: the places at the corners of its ground (a place at (x, y) like a
   * seat), turned and moved with its section, in the drawing's units.
   */
  outline: [number, number][];
}
export interface PreviewLabel {
  key: string;
  label: string;
  y: number;
  x: number;
  /** A slots section's name under its row (left end at x, y). */
  under?: boolean;
  /** Drawn centred on the middle of the seat place (x, y) (placed sections: row labels, the section's name). */
  centred?: boolean;
}
export interface Preview {
  seats: PreviewSeat[];
  /** Row labels left of their rows; a slots section's name under its row (`under`); a placed section's name behind it. */
  labels: PreviewLabel[];
  areas: PreviewArea[];
  /** The widest row (seat places): a standing area's ground is this wide at least. */
  width: number;
  /** The stacked drawing's height in rows (before placements). */
  height: number;
  /** Seats in rows, standing places, appointment slots. */
  counts: { seats: number; standing: number; slots: number };
  /** The stage at its place (same units as the seats), when the layout has one. */
  stage?: { label: string; x: number; y: number };
  /** Whether positions, curves or a stage make the service move the drawing to start at (0, 0). */
  placed: boolean;
  /** What the preview must show, labels and stage included (seat units; a seat at (x, y) covers x..x+1). */
  box: { x0: number; y0: number; x1: number; y1: number };
}

const numbersOf = (text: string) => parseNumberList(text) ?? [];
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The places at the corners of a standing area's ground, as the service lays it: `places` in rows of
 * `columns` from (x, y), the last row perhaps shorter.
 */
export function groundCorners(x: number, y: number, columns: number, places: number): [number, number][] {
  if (places <= 0 || columns <= 0) return [];
  const rows = Math.ceil(places / columns);
  const last = places - (rows - 1) * columns;
  const pts: [number, number][] = [
    [x, y],
    [x + Math.min(columns, places) - 1, y],
    [x + columns - 1, y + Math.max(0, rows - 2)],
    [x + last - 1, y + rows - 1],
    [x, y + rows - 1],
  ];
  if (rows === 1 || last === columns) pts[2] = [x + Math.min(columns, places) - 1, y + rows - 1];
  return convexHull(pts);
}

/**
 * Positions like the service draws them: rows centred on the widest, an aisle one seat wide after each
 * `aisles` number, missing seats leaving their place empty, right-to-left rows numbered from the right;
 * a slots section is one row; a standing area's places fill a grid as wide as the widest row (square at
 * least), centred like a row (its ground, drawn by its outline); one empty row between sections. A curved row's seats come forward by `rowBend`; a placed section is turned and moved
 * by `placePoint`; with a placement, a curve or a stage the drawing is then moved to start at (0, 0), the
 * stage with it (as the seat map gives it).
 */
export function previewLayout(sections: readonly DraftSection[], stage?: DraftStage): Preview {
  const rowWidth = (r: DraftRow) => Math.max(0, Math.min(MAX_SEATS_PER_ROW, r.seats || 0)) + new Set(numbersOf(r.aisles).filter((n) => n < r.seats)).size;
  const widths = sections.flatMap((s) => (s.kind === 'rows' ? s.rows.map(rowWidth) : s.kind === 'slots' ? [slotStarts(s.slots).length] : []));
  const widest = Math.max(1, ...widths);
  // The service's widest row is 0 without rows or slots (a layout of standing areas only).
  const seatedWidest = Math.max(0, ...widths);
  const middle = (seatedWidest - 1) / 2;
  const out: Preview = {
    seats: [],
    labels: [],
    areas: [],
    width: widest,
    height: 0,
    counts: { seats: 0, standing: 0, slots: 0 },
    placed: false,
    box: { x0: -2, y0: 0, x1: widest + 1, y1: 0 },
  };
  const stagePoint = stageOf(stage);
  let placed = stagePoint !== null;
  // The standing areas' widest reach (not placed), for the preview's box.
  let groundRight = widest;
  let y = 0;
  sections.forEach((s, si) => {
    const top = y;
    const p = placementOf(s);
    const firstSeat = out.seats.length;
    const firstLabel = out.labels.length;
    if (s.kind === 'standing') {
      const places = Math.max(0, Math.min(MAX_STANDING, Math.floor(s.standing || 0)));
      const columns = Math.max(seatedWidest, Math.ceil(Math.sqrt(places)), 1);
      const offset = Math.max(0, seatedWidest - columns) / 2;
      let outline = groundCorners(offset, y, columns, places);
      groundRight = Math.max(groundRight, offset + columns);
      if (p) {
        placed = true;
        outline = outline.map(([x, yy]) => placePoint(x, yy, middle, top, p));
      }
      out.areas.push({ key: `${si}`, name: s.name, category: s.category, places, outline });
      out.counts.standing += places;
      // Its rows of ground, and one empty row after the section.
      y += Math.ceil(Math.max(1, places) / columns) + 1;
      return;
    }
    if (s.kind === 'slots') {
      const n = slotStarts(s.slots).length;
      const off = (widest - n) / 2;
      out.labels.push({ key: `${si}`, label: s.name, y: y + 1, x: off, under: true });
      for (let i = 0; i < n; i++) out.seats.push({ key: `${si}-${i}`, x: off + i, y, category: s.category, wheelchair: false });
      out.counts.slots += n;
      y += 2;
    } else {
      s.rows.forEach((r, ri) => {
        const n = Math.max(0, Math.min(MAX_SEATS_PER_ROW, r.seats || 0));
        const width = rowWidth(r);
        const gaps = numbersOf(r.aisles);
        const missing = new Set(numbersOf(r.missing));
        const wheelchair = new Set(numbersOf(r.wheelchair));
        const curve = curveOf(r.curve) ?? 0;
        if (curve) placed = true;
        const off = (widest - width) / 2;
        out.labels.push({ key: `${si}-${ri}`, label: r.label, y: y - rowBend(width, 0, curve), x: off });
        for (let number = 1; number <= n; number++) {
          if (missing.has(number)) continue;
          const fromFirst = number - 1 + gaps.filter((g) => g < number && g < n).length;
          const place = r.rightToLeft ? width - 1 - fromFirst : fromFirst;
          out.seats.push({ key: `${si}-${ri}-${number}`, x: off + place, y: y - rowBend(width, place, curve), category: r.category || s.category, wheelchair: wheelchair.has(number) });
          out.counts.seats++;
        }
        y++;
      });
      y++;
    }
    if (p) {
      placed = true;
      const quarter = ((p.rotation % 90) + 90) % 90;
      const angle = quarter > 45 ? quarter - 90 : quarter;
      for (const seat of out.seats.slice(firstSeat)) {
        [seat.x, seat.y] = placePoint(seat.x, seat.y, middle, top, p);
        if (Math.abs(angle) >= 5) seat.angle = angle;
      }
      // Labels turn with the section and are drawn centred: a row's one place beyond its left end, a slots
      // section's name under its row's middle; the section's name one row behind its back row.
      for (const l of out.labels.slice(firstLabel)) {
        const [lx, ly] = l.under ? [middle, l.y - 0.2] : [l.x - 1.2, l.y];
        [l.x, l.y] = placePoint(lx, ly, middle, top, p);
        l.under = undefined;
        l.centred = true;
      }
      if (s.kind === 'rows') {
        const [nx, ny] = placePoint(middle, y - 1 + 0.2, middle, top, p);
        out.labels.push({ key: `${si}-name`, label: s.name, x: nx, y: ny, centred: true });
      }
    }
  });
  out.height = y;
  if (!placed) {
    out.box.x1 = groundRight + 1;
    out.box.y1 = y;
    return out;
  }

  // Move the drawing to start at (0, 0), as the service does (seats, standing places and the stage count).
  out.placed = true;
  const points: [number, number][] = [...out.seats.map((p): [number, number] => [p.x, p.y]), ...out.areas.flatMap((a) => a.outline)];
  if (stagePoint) points.push([stagePoint.x, stagePoint.y]);
  const minX = Math.min(...points.map((p) => p[0]));
  const minY = Math.min(...points.map((p) => p[1]));
  for (const p of out.seats) {
    p.x = round3(p.x - minX);
    p.y = round3(p.y - minY);
  }
  for (const l of out.labels) {
    l.x -= minX;
    l.y -= minY;
  }
  for (const a of out.areas) a.outline = a.outline.map(([x, y]) => [round3(x - minX), round3(y - minY)]);
  if (stagePoint) out.stage = { label: stagePoint.label, x: round3(stagePoint.x - minX), y: round3(stagePoint.y - minY) };

  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const take = (l: number, t: number, r: number, b: number) => {
    x0 = Math.min(x0, l);
    y0 = Math.min(y0, t);
    x1 = Math.max(x1, r);
    y1 = Math.max(y1, b);
  };
  for (const p of out.seats) take(p.x, p.y, p.x + 1, p.y + 1);
  for (const a of out.areas) for (const [x, y] of a.outline) take(x, y, x + 1, y + 1);
  for (const l of out.labels) {
    const half = Math.max(0.6, l.label.length * 0.3);
    if (l.centred) take(l.x + 0.5 - half, l.y, l.x + 0.5 + half, l.y + 1);
    else if (l.under) take(l.x, l.y, l.x + 2 * half, l.y + 1);
    else take(l.x - 1.5, l.y, l.x, l.y + 1);
  }
  if (out.stage) take(out.stage.x + 0.5 - 2.5, out.stage.y, out.stage.x + 0.5 + 2.5, out.stage.y + 1);
  if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [0, 0, 1, 1];
  out.box = { x0: x0 - 0.5, y0: y0 - 0.5, x1: x1 + 0.5, y1: y1 + 0.5 };
  return out;
}

/** "44 seats", "18000 seats and 2000 standing places", "24 appointment slots". */
export function describeCounts(counts: Preview['counts']): string {
  const parts = [];
  if (counts.seats > 0 || (counts.standing === 0 && counts.slots === 0)) parts.push(`${counts.seats} seats`);
  if (counts.standing > 0) parts.push(`${counts.standing} standing places`);
  if (counts.slots > 0) parts.push(`${counts.slots} appointment slots`);
  return formatList(parts);
}

/**
 * Every category a show on this layout needs a price for: the layout's `categories` together with
 * those of its sections and rows. (The service's `categories` leaves out standing and slots sections'
 * categories, yet asks a price for them when a show is created.)
 */
export function layoutCategories(layout: Pick<Layout, 'categories' | 'sections'>): string[] {
  const all = new Set(layout.categories);
  for (const s of layout.sections) {
    const rows = s.rows ?? [];
    // A rows section whose every row names its own category gives its section's category no seat.
    if (rows.length === 0 || rows.some((r) => !r.category)) all.add(s.category);
    for (const r of rows) if (r.category) all.add(r.category);
  }
  return [...all].sort();
}
