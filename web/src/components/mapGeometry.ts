import type { Seat } from '../api/client';

// The seat map's geometry, apart from React: rows and labels from the seats' x/y (buildStructure), the
// drawing's frame (mapFrame), keyboard moves (moveFocus), standing areas' ground (standingShapes), and
// what big venues need: tiles of seats to render only those in view, section outlines for the overview,
// aisles, and narrower aisles on phones.

/** A layout's focal point as the seat map gives it (same coordinates as the seats). */
export interface MapStage {
  label: string;
  x: number;
  y: number;
}

/** One row of seats (a section's row label), drawn as one strip. Units are seat widths. */
export interface RowStrip {
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
export interface MapText {
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
  /** Degrees each seat of a turned row is turned (absent: level). */
  angleOf: Map<number, number>;
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
  /** The standing areas drawn where they stand (those with an outline); the frame covers them. */
  areas: StandingShape[];
  /** The seats' box in seat units (standing areas apart). */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

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

export function buildStructure(seats: readonly Seat[], stage?: MapStage | null, areas: readonly StandingShape[] = []): Structure {
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
  const angleOf = new Map<number, number>();
  for (const r of strips) if (r.angle !== 0) for (const id of r.ids) angleOf.set(id, r.angle);
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
        sections.push({ key: r.section, text: r.section, x: minX, y: s.y - 1, align: 'left' });
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
  return { rows, strips, pos, byId, angleOf, grid, sections, rowLabels, stage: stageBox, areas: [...areas], minX, minY, maxX, maxY };
}

/** Estimated text widths (px): the frame makes room for labels before they are laid out. */
export const textWidth = (text: string, px: number) => text.length * px * 0.6 + 8;
export const SECTION_FONT = 13.6;
export const stageFont = (size: number) => Math.max(10, Math.min(15, Math.round(size * 0.5)));
export const rowFont = (size: number) => Math.max(9, Math.floor(size * 0.4));

/** Where a `center` text's middle goes (px, before the frame's offset), and its half width and height. */
export function textCentre(t: MapText, size: number, font: number): { x: number; y: number; hw: number; hh: number } {
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
 * Where the drawing sits at a seat size: everything (seats, standing areas, stage, section names, row
 * labels) inside (0, 0)–(width, height).
 */
export function mapFrame(st: Structure, size: number): MapFrame {
  // The old grid without a stage keeps its old pixel positions exactly.
  const pad = st.grid ? (st.stage ? 3 : 0) : 6;
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
  for (const a of st.areas) take(a.box.x0 * size, a.box.y0 * size, a.box.x1 * size, a.box.y1 * size);
  for (const s of st.sections) {
    if (s.align === 'left') take(s.x * size, s.y * size, s.x * size + textWidth(s.text, SECTION_FONT), s.y * size + 20);
    else {
      const c = textCentre(s, size, SECTION_FONT);
      take(c.x - c.hw, c.y - c.hh, c.x + c.hw, c.y + c.hh);
    }
  }
  for (const r of st.rowLabels) {
    // A plain hall's row labels are drawn in the gutter beside the map (they stay in view while panning).
    if (r.align === 'right') continue;
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


/** Seats one tile of a big map holds, at most, in seat units: only tiles near the view are rendered. */
export const TILE_W = 16;
export const TILE_H = 8;

/** A block of seats rendered (or not) together; its box in seat units. */
export interface Tile {
  key: string;
  /** Seat ids in layout order (row by row). */
  ids: number[];
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The seats cut into tiles of `w` × `h` seat units (by their top-left corner), in layout order within each. */
export function buildTiles(st: Structure, w = TILE_W, h = TILE_H): Tile[] {
  const tiles = new Map<string, Tile>();
  for (const row of st.rows)
    for (const id of row) {
      const s = st.byId.get(id)!;
      const tx = Math.floor((s.x - st.minX) / w);
      const ty = Math.floor((s.y - st.minY) / h);
      const key = `${tx}:${ty}`;
      let t = tiles.get(key);
      if (!t) tiles.set(key, (t = { key, ids: [], x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity }));
      t.ids.push(id);
      const pad = st.angleOf.has(id) ? TURN_PAD : 0;
      t.x0 = Math.min(t.x0, s.x - pad);
      t.y0 = Math.min(t.y0, s.y - pad);
      t.x1 = Math.max(t.x1, s.x + 1 + pad);
      t.y1 = Math.max(t.y1, s.y + 1 + pad);
    }
  return [...tiles.values()];
}

/** A box in seat units. */
export interface UnitRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The tiles overlapping `rect`. */
export function tilesIn(tiles: readonly Tile[], rect: UnitRect): Tile[] {
  return tiles.filter((t) => t.x1 > rect.x0 && t.x0 < rect.x1 && t.y1 > rect.y0 && t.y0 < rect.y1);
}

/** The convex hull of points (Andrew's monotone chain), counter-clockwise on screen. */
export function convexHull(points: readonly [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length <= 2) return p;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** One section as the overview draws it: its outline (seat units), middle, box and seats. */
export interface SectionShape {
  name: string;
  hull: [number, number][];
  cx: number;
  cy: number;
  box: UnitRect;
  ids: number[];
}

/**
 * Each section's outline: the convex hull of its rows' end seats' corners (every seat's corners for
 * turned or curved sections would be the same hull; the ends are enough and cheap at 50,000 seats).
 */
export function sectionShapes(st: Structure): SectionShape[] {
  const bySection = new Map<string, RowStrip[]>();
  for (const r of st.strips) {
    let l = bySection.get(r.section);
    if (!l) bySection.set(r.section, (l = []));
    l.push(r);
  }
  const out: SectionShape[] = [];
  for (const [name, strips] of bySection) {
    const corners: [number, number][] = [];
    const ids: number[] = [];
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const r of strips) {
      for (const id of r.ids) ids.push(id);
      // Curved rows bulge between their ends: a few seats along the row keep the outline around them.
      const step = Math.max(1, Math.floor(r.ids.length / 8));
      for (let i = 0; i < r.ids.length; i += step) push(r.ids[i]);
      push(r.ids[r.ids.length - 1]);
    }
    function push(id: number) {
      const s = st.byId.get(id)!;
      corners.push([s.x, s.y], [s.x + 1, s.y], [s.x, s.y + 1], [s.x + 1, s.y + 1]);
      x0 = Math.min(x0, s.x);
      y0 = Math.min(y0, s.y);
      x1 = Math.max(x1, s.x + 1);
      y1 = Math.max(y1, s.y + 1);
    }
    out.push({ name, hull: convexHull(corners), cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, box: { x0, y0, x1, y1 }, ids });
  }
  return out;
}

/** A standing area as the service describes it: its outline runs through its outermost places' middles. */
export interface OutlinedArea {
  section: string;
  category: string;
  outline?: readonly { x: number; y: number }[];
}

/** A standing area as the map draws it: its ground, box and middle in seat units. */
export interface StandingShape {
  section: string;
  category: string;
  /** The ground: the outline (through the places' middles) half a place wider on every side, round at the corners. */
  hull: [number, number][];
  box: UnitRect;
  /** Where its name goes: the middle of its ground. */
  cx: number;
  cy: number;
}

/** Directions the outline is widened in (every 22.5°, the axes among them: the box is exact). */
const ROUND = Array.from({ length: 16 }, (_, i): [number, number] => {
  const a = (i * Math.PI) / 8;
  return [Math.round(Math.cos(a) * 1e9) / 1e9, Math.round(Math.sin(a) * 1e9) / 1e9];
});

/**
 * The ground of each standing area that has an outline (areas of old shows have none and are not drawn).
 * An outline point is a place as a seat's x/y is: the place covers x..x+1, y..y+1, its middle is at
 * (x + 0.5, y + 0.5). The ground runs half a place beyond the outline's middles, so it covers the
 * outermost places as a seat's button covers its seat.
 */
export function standingShapes(areas: readonly OutlinedArea[]): StandingShape[] {
  const out: StandingShape[] = [];
  for (const a of areas) {
    const mids = (a.outline ?? []).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p): [number, number] => [p.x + 0.5, p.y + 0.5]);
    if (mids.length === 0) continue;
    const pts: [number, number][] = [];
    for (const [x, y] of mids) for (const [dx, dy] of ROUND) pts.push([x + dx * 0.5, y + dy * 0.5]);
    const xs = mids.map((p) => p[0]);
    const ys = mids.map((p) => p[1]);
    const box = { x0: Math.min(...xs) - 0.5, y0: Math.min(...ys) - 0.5, x1: Math.max(...xs) + 0.5, y1: Math.max(...ys) + 0.5 };
    const [cx, cy] = centroid(mids);
    out.push({ section: a.section, category: a.category, hull: convexHull(pts), box, cx, cy });
  }
  return out;
}

/** The middle of a convex polygon (its centre of area; of its corners when it has no area). */
function centroid(p: readonly [number, number][]): [number, number] {
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < p.length; i++) {
    const [x0, y0] = p[i];
    const [x1, y1] = p[(i + 1) % p.length];
    const c = x0 * y1 - x1 * y0;
    a += c;
    x += (x0 + x1) * c;
    y += (y0 + y1) * c;
  }
  if (Math.abs(a) > 1e-9) return [x / (3 * a), y / (3 * a)];
  return [p.reduce((s, q) => s + q[0], 0) / p.length, p.reduce((s, q) => s + q[1], 0) / p.length];
}

/** An aisle of a plain hall: seat units across (x0..x1) and the rows it runs along (y0..y1). */
export interface Aisle {
  section: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * The aisles of a plain hall: a gap at least `minGap` seat units wide between neighbouring seats of a
 * row, found at the same place in two or more rows one behind the other, drawn from the first of
 * those rows to the last (the coach's middle, but not across its full back row; the cinema's two).
 */
export function findAisles(st: Structure, minGap = 0.2): Aisle[] {
  if (!st.grid) return [];
  const out: Aisle[] = [];
  // Open runs per section and gap (rounded): the rows so far that have it.
  let open = new Map<string, Aisle & { rows: number }>();
  let lastSection = '';
  const close = (keep: Set<string>) => {
    for (const [k, a] of open) {
      if (keep.has(k)) continue;
      if (a.rows >= 2) out.push({ section: a.section, x0: a.x0, x1: a.x1, y0: a.y0, y1: a.y1 });
      open.delete(k);
    }
  };
  for (const r of st.strips) {
    if (r.section !== lastSection) {
      close(new Set());
      open = new Map();
      lastSection = r.section;
    }
    const row = r.ids.map((id) => st.byId.get(id)!);
    const y = row[0].y;
    const seen = new Set<string>();
    for (let i = 1; i < row.length; i++) {
      const x0 = row[i - 1].x + 1;
      const x1 = row[i].x;
      if (x1 - x0 < minGap) continue;
      const k = `${Math.round(x0 * 100)}:${Math.round(x1 * 100)}`;
      seen.add(k);
      const a = open.get(k);
      if (a) {
        a.y1 = y + 1;
        a.rows++;
      } else open.set(k, { section: r.section, x0, x1, y0: y, y1: y + 1, rows: 1 });
    }
    close(seen);
  }
  close(new Set());
  return out;
}

/** Intervals merged where they touch or overlap, sorted. */
export function mergeSpans(spans: readonly [number, number][]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1e-6) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * A function narrowing every empty column of a plain hall (aisles) to at most `maxGap` seat units,
 * keeping the seats' own widths: on a phone the cinema's 15-seat rows then fit the screen with
 * seats big enough to tap. Positions inside a gap move proportionally.
 */
export function aisleSqueeze(seats: readonly Seat[], maxGap: number): (x: number) => number {
  const spans = mergeSpans(seats.map((s) => [s.x, s.x + 1]));
  // Breakpoints: [old x, new x] at each span's start and end.
  const pts: [number, number][] = [];
  let shift = 0;
  for (let i = 0; i < spans.length; i++) {
    if (i > 0) {
      const gap = spans[i][0] - spans[i - 1][1];
      shift += gap - Math.min(gap, maxGap);
    }
    pts.push([spans[i][0], spans[i][0] - shift], [spans[i][1], spans[i][1] - shift]);
  }
  if (pts.length === 0) return (x) => x;
  return (x) => {
    if (x <= pts[0][0]) return x - (pts[0][0] - pts[0][1]);
    for (let i = 1; i < pts.length; i++) {
      const [a, a2] = pts[i - 1];
      const [b, b2] = pts[i];
      if (x <= b) return b - a < 1e-9 ? b2 : a2 + ((x - a) / (b - a)) * (b2 - a2);
    }
    const [l, l2] = pts[pts.length - 1];
    return x - (l - l2);
  };
}

/**
 * The seats (and stage, and standing areas' outlines) with the aisles narrowed to `maxGap` (see
 * aisleSqueeze); the same objects when nothing moves.
 */
export function squeezeAisles<S extends { x: number }, A extends OutlinedArea = OutlinedArea>(
  seats: readonly Seat[],
  stage: S | null | undefined,
  maxGap: number,
  areas: readonly A[] = [],
): { seats: readonly Seat[]; stage: S | null | undefined; areas: readonly A[] } {
  const f = aisleSqueeze(seats, maxGap);
  let moved = false;
  const out = seats.map((s) => {
    const x = f(s.x);
    if (Math.abs(x - s.x) < 1e-9) return s;
    moved = true;
    return { ...s, x };
  });
  if (!moved) return { seats, stage, areas };
  // The stage's point and an outline's corners are middles of seat places: move those middles.
  const middle = (x: number) => f(x + 0.5) - 0.5;
  return {
    seats: out,
    stage: stage ? { ...stage, x: middle(stage.x) } : stage,
    areas: areas.map((a) => (a.outline ? { ...a, outline: a.outline.map((p) => ({ x: middle(p.x), y: p.y })) } : a)),
  };
}

/** The width, in seat units, the seats take (leftmost left edge to rightmost right edge). */
export function seatsWidth(seats: readonly Seat[]): number {
  let a = Infinity;
  let b = -Infinity;
  for (const s of seats) {
    a = Math.min(a, s.x);
    b = Math.max(b, s.x + 1);
  }
  return seats.length ? b - a : 0;
}

/**
 * Window seats of a coach: the seats at the ends of each row. Until the service marks them
 * (`features: ["window"]`), a bus show's row ends are called so; seats the service already
 * describes with "window" anywhere on the map are left as they are.
 */
export function markWindowSeats(seats: readonly Seat[]): readonly Seat[] {
  if (seats.some((s) => s.features?.includes('window'))) return seats;
  const ends = new Map<string, [Seat, Seat]>();
  for (const s of seats) {
    if (s.starts_at) continue;
    const key = `${s.section}\u0000${s.row}`;
    const e = ends.get(key);
    if (!e) ends.set(key, [s, s]);
    else {
      if (s.x < e[0].x) e[0] = s;
      if (s.x > e[1].x) e[1] = s;
    }
  }
  const windows = new Set<number>();
  for (const [a, b] of ends.values()) {
    windows.add(a.id);
    windows.add(b.id);
  }
  return seats.map((s) => (windows.has(s.id) ? { ...s, features: ['window', ...(s.features ?? [])] } : s));
}
