import { describe, expect, it } from 'vitest';
import type { Seat } from '../api/client';
import {
  buildStructure,
  buildTiles,
  convexHull,
  findAisles,
  mapFrame,
  markWindowSeats,
  sectionShapes,
  seatsWidth,
  squeezeAisles,
  standingShapes,
  TILE_H,
  TILE_W,
} from './mapGeometry';

const seat = (id: number, section: string, row: string, number: number, x: number, y: number, extra: Partial<Seat> = {}): Seat => ({
  id,
  label: `${row}${number}`,
  section,
  row,
  number,
  category: 'standard',
  price_cents: 1200,
  x,
  y,
  status: 'AVAILABLE',
  ...extra,
});

/** The sample cinema: rows A–J of 15 seats, aisles after seats 3 and 12 (one seat wide), "Screen" two rows ahead. */
function cinema(): Seat[] {
  const out: Seat[] = [];
  'ABCDEFGHIJ'.split('').forEach((row, r) => {
    for (let n = 1; n <= 15; n++) out.push(seat(out.length + 1, r < 8 ? 'Stalls' : 'Premium', row, n, n - 1 + (n > 3 ? 1 : 0) + (n > 12 ? 1 : 0), r + (r >= 8 ? 1 : 0)));
  });
  return out;
}

/** The sample coach: rows A–J of 2 + 2 seats around an aisle, a back row K of 5 across it. */
function coach(): Seat[] {
  const out: Seat[] = [];
  'ABCDEFGHIJ'.split('').forEach((row, r) => {
    for (let n = 1; n <= 4; n++) out.push(seat(out.length + 1, 'Coach', row, n, n < 3 ? n - 1 : n, 1.5 + r));
  });
  for (let n = 1; n <= 5; n++) out.push(seat(out.length + 1, 'Coach', 'K', n, n - 1, 11.5));
  return out;
}

describe('aisles', () => {
  it("finds the coach's aisle from its front row to the last row it runs through (not across the back row)", () => {
    expect(findAisles(buildStructure(coach()))).toEqual([{ section: 'Coach', x0: 2, x1: 3, y0: 1.5, y1: 11.5 }]);
  });

  it("finds the cinema's two aisles in each section", () => {
    const a = findAisles(buildStructure(cinema()));
    expect(a.map((x) => [x.section, x.x0, x.x1])).toEqual([
      ['Stalls', 3, 4],
      ['Stalls', 13, 14],
      ['Premium', 3, 4],
      ['Premium', 13, 14],
    ]);
  });

  it('narrows aisles so 15-seat rows fit a phone with 24 px seats: seats keep their order and width', () => {
    const seats = cinema();
    expect(seatsWidth(seats)).toBe(17);
    const { seats: narrow, stage } = squeezeAisles(seats, { label: 'Screen', x: 8, y: -2 }, 0.2);
    expect(seatsWidth(narrow)).toBeCloseTo(15.4);
    const row = narrow.filter((s) => s.row === 'A').map((s) => s.x);
    for (let i = 1; i < row.length; i++) expect(row[i] - row[i - 1]).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(stage!.x + 0.5).toBeCloseTo(15.4 / 2); // still in the middle
    // The drawing at 30 px a seat, scaled to 24 px (80 %), fits a 390 px phone less its row labels.
    expect(mapFrame(buildStructure(narrow, stage), 30).width * 0.8).toBeLessThanOrEqual(390 - 14); // the gutter of one-letter row labels is 14 px
    expect(mapFrame(buildStructure(seats, { label: 'Screen', x: 8, y: -2 }), 30).width * 0.8).toBeGreaterThan(390 - 14);
  });
});

describe('standing areas', () => {
  // The sample arena in small: a floor of 3 rows of 10 places (the last of 4) in front of a bowl row of 10 seats.
  const floor = {
    section: 'Floor',
    category: 'floor',
    outline: [
      { x: 0, y: 0 },
      { x: 9, y: 0 },
      { x: 9, y: 1 },
      { x: 3, y: 2 },
      { x: 0, y: 2 },
    ],
  };
  const bowl = Array.from({ length: 10 }, (_, i) => seat(i + 1, 'Lower bowl', 'L1', i + 1, i, 4));

  it("draws an area's ground half a place beyond its outline's places, as seats cover theirs", () => {
    const [shape] = standingShapes([floor]);
    expect(shape.section).toBe('Floor');
    // The outline's points are places (a place at (x, y) covers x..x+1): the ground covers the outermost ones.
    expect(shape.box).toEqual({ x0: 0, y0: 0, x1: 10, y1: 3 });
    for (const [x, y] of shape.hull) {
      expect(x).toBeGreaterThanOrEqual(0 - 1e-9);
      expect(x).toBeLessThanOrEqual(10 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(0 - 1e-9);
      expect(y).toBeLessThanOrEqual(3 + 1e-9);
    }
    // Its name goes in the middle of the ground (pulled left by the short last row).
    expect(shape.cy).toBeGreaterThan(1);
    expect(shape.cy).toBeLessThan(2);
    expect(shape.cx).toBeGreaterThan(4);
    expect(shape.cx).toBeLessThan(5);
    // No outline (a show made before areas had ground): nothing to draw. One place: a place's square, rounded.
    expect(standingShapes([{ section: 'Old', category: 'floor' }, { section: 'Empty', category: 'floor', outline: [] }])).toEqual([]);
    expect(standingShapes([{ section: 'Spot', category: 'floor', outline: [{ x: 3, y: 4 }] }])[0]).toMatchObject({ box: { x0: 3, y0: 4, x1: 4, y1: 5 }, cx: 3.5, cy: 4.5 });
  });

  it("makes the drawing's frame cover the areas; without them the frame is as before", () => {
    const without = mapFrame(buildStructure(bowl), 30);
    const st = buildStructure(bowl, null, standingShapes([floor]));
    expect(st.areas).toHaveLength(1);
    // The seats' own box is unchanged (section names and row labels keep their places).
    expect([st.minX, st.minY, st.maxX, st.maxY]).toEqual([0, 4, 9, 4]);
    const f = mapFrame(st, 30);
    // The floor's top (y 0) is now the drawing's top; the bowl's row stays 4 rows below it.
    expect(f.oy).toBe(0);
    expect(f.height).toBeGreaterThan(without.height + 3 * 30 - 1);
    expect(f.width).toBeGreaterThanOrEqual(10 * 30);
    expect(buildStructure(bowl).areas).toEqual([]);
    expect(mapFrame(buildStructure(bowl, null, []), 30)).toEqual(without);
  });

  it("moves an area's outline with the seats when a phone narrows the aisles", () => {
    const seats = cinema();
    const wide = { section: 'Pit', category: 'floor', outline: [{ x: 0, y: -3 }, { x: 16, y: -3 }, { x: 16, y: -2 }, { x: 0, y: -2 }] };
    const { seats: narrow, areas } = squeezeAisles(seats, null, 0.2, [wide]);
    const xs = areas[0].outline!.map((p) => p.x);
    // As wide as the narrowed rows (15.4 seat widths from the first seat's left to the last seat's right).
    expect(Math.max(...xs) + 1 - Math.min(...xs)).toBeCloseTo(seatsWidth(narrow));
    // Nothing to narrow: the same objects.
    const plain = squeezeAisles(coach().filter((s) => s.row === 'K'), null, 0.2, [wide]);
    expect(plain.areas[0]).toBe(wide);
  });
});

describe('windows', () => {
  it("calls a coach's row ends window seats until the service marks them", () => {
    const named = markWindowSeats(coach());
    const windows = named.filter((s) => s.features?.includes('window')).map((s) => s.label);
    expect(windows).toEqual(['A1', 'A4', 'B1', 'B4', 'C1', 'C4', 'D1', 'D4', 'E1', 'E4', 'F1', 'F4', 'G1', 'G4', 'H1', 'H4', 'I1', 'I4', 'J1', 'J4', 'K1', 'K5']);
    const marked = coach().map((s) => (s.label === 'A1' ? { ...s, features: ['window'] } : s));
    expect(markWindowSeats(marked)).toBe(marked);
  });
});

describe('big venues', () => {
  /** A generated arena: `sections` blocks side by side, each `rows` × `perRow` seats. */
  function arena(sections: number, rows: number, perRow: number): Seat[] {
    const out: Seat[] = [];
    for (let s = 0; s < sections; s++)
      for (let r = 0; r < rows; r++)
        for (let n = 1; n <= perRow; n++) out.push(seat(out.length + 1, `Block ${s + 1}`, `R${r + 1}`, n, (s % 5) * (perRow + 2) + n - 1, Math.floor(s / 5) * (rows + 1) + r));
    return out;
  }

  it('cuts the seats into tiles, each seat in exactly one, no tile bigger than its size', () => {
    const st = buildStructure(arena(2, 20, 30));
    const tiles = buildTiles(st);
    const all = tiles.flatMap((t) => t.ids);
    expect(all).toHaveLength(1200);
    expect(new Set(all).size).toBe(1200);
    for (const t of tiles) {
      expect(t.x1 - t.x0).toBeLessThanOrEqual(TILE_W);
      expect(t.y1 - t.y0).toBeLessThanOrEqual(TILE_H);
    }
  });

  it("draws each section as its outline: a block's hull is its four corners", () => {
    const shapes = sectionShapes(buildStructure(arena(2, 20, 30)));
    expect(shapes.map((s) => s.name)).toEqual(['Block 1', 'Block 2']);
    expect(new Set(shapes[0].hull.map(([x, y]) => `${x},${y}`))).toEqual(new Set(['0,0', '30,0', '30,20', '0,20']));
    expect(shapes[1].box).toEqual({ x0: 32, y0: 0, x1: 62, y1: 20 });
    expect(shapes[0].ids).toHaveLength(600);
  });

  it('takes 50,000 seats (the most a layout may have) in well under a second', () => {
    const seats = arena(20, 25, 100);
    expect(seats).toHaveLength(50_000);
    const t0 = performance.now();
    const st = buildStructure(seats);
    const tiles = buildTiles(st);
    const shapes = sectionShapes(st);
    const ms = performance.now() - t0;
    expect(st.rows).toHaveLength(500);
    expect(shapes).toHaveLength(20);
    expect(tiles.reduce((n, t) => n + t.ids.length, 0)).toBe(50_000);
    expect(ms).toBeLessThan(1500);
  });

  it('computes a convex hull', () => {
    expect(convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 0]])).toEqual([[0, 0], [2, 0], [2, 2], [0, 2]]);
  });
});
