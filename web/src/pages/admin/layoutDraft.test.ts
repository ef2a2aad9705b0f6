import { describe, expect, it } from 'vitest';
import {
  describeCounts,
  describeSlots,
  groundCorners,
  layoutBody,
  layoutCategories,
  newRow,
  newSection,
  parseDecimal,
  parseNumberList,
  placePoint,
  previewLayout,
  rowBend,
  slotStarts,
  type DraftSection,
} from './layoutDraft';

const rows = (name: string, ...r: ReturnType<typeof newRow>[]): DraftSection => ({ ...newSection(name, 'A'), rows: r });
const standing = (name: string, places: number): DraftSection => ({ ...newSection(name, 'A'), kind: 'standing', category: 'floor', standing: places });
const slots = (name: string, from: string, to: string, minutes: number): DraftSection => ({
  ...newSection(name, 'A'),
  kind: 'slots',
  category: 'consultation',
  slots: { from, to, minutes },
});

describe('parseNumberList', () => {
  it('reads numbers separated by commas or spaces', () => {
    expect(parseNumberList('')).toEqual([]);
    expect(parseNumberList(' 3, 7 10;12 ')).toEqual([3, 7, 10, 12]);
    expect(parseNumberList('3, x')).toBeNull();
    expect(parseNumberList('0')).toBeNull();
    expect(parseNumberList('2.5')).toBeNull();
  });
});

describe('slots', () => {
  it('makes the slots the service makes: the last one ends at or before the end', () => {
    expect(slotStarts({ from: '09:00', to: '12:00', minutes: 15 })).toHaveLength(12);
    expect(slotStarts({ from: '09:00', to: '10:00', minutes: 25 })).toEqual([540, 565]);
    expect(slotStarts({ from: '10:00', to: '09:00', minutes: 15 })).toEqual([]);
    expect(slotStarts({ from: '9am', to: '10:00', minutes: 15 })).toEqual([]);
    expect(describeSlots({ from: '09:00', to: '12:00', minutes: 15 })).toBe('12 slots of 15 minutes, the last 11:45–12:00.');
    expect(describeSlots({ from: '09:00', to: '09:10', minutes: 15 })).toBe('No 15-minute slot fits from 09:00 to 09:10.');
    expect(describeSlots({ from: '09:00', to: '12:00', minutes: 2 })).toBe('Slots last 5 to 480 minutes.');
  });
});

describe('layoutBody', () => {
  it('gives each section exactly one of rows, standing or slots', () => {
    const body = layoutBody(' Arena ', [
      standing('Floor', 2000),
      slots('Dr. Rivera', '09:00', '12:00', 15),
      rows('Bowl', { ...newRow('L1', 12), aisles: '4, 8', missing: '6', wheelchair: '1 2', rightToLeft: true, category: 'vip' }, newRow('L2', 10)),
    ]);
    expect(body).toEqual({
      name: 'Arena',
      sections: [
        { name: 'Floor', category: 'floor', standing: 2000 },
        { name: 'Dr. Rivera', category: 'consultation', slots: { from: '09:00', to: '12:00', minutes: 15 } },
        {
          name: 'Bowl',
          category: 'standard',
          rows: [
            { label: 'L1', seats: 12, category: 'vip', gaps_after: [4, 8], missing: [6], accessible: [1, 2], numbering: 'right_to_left' },
            { label: 'L2', seats: 10 },
          ],
        },
      ],
    });
  });

  it('says what to fix in a number list, a standing size or the slot times', () => {
    expect(layoutBody('x', [rows('S', { ...newRow('A', 10), aisles: '4, x' })])).toBe('Row A: aisles after must be seat numbers separated by commas.');
    expect(layoutBody('x', [rows('S', { ...newRow('A', 10), missing: '11, 12' })])).toBe('Row A: missing seats 11 and 12 are not in a row of 10.');
    expect(layoutBody('x', [standing('Floor', 0)])).toBe('Section Floor: a standing area has 1 to 50000 places.');
    expect(layoutBody('x', [slots('Dr. A', '12:00', '09:00', 15)])).toBe('Section Dr. A: No 15-minute slot fits from 12:00 to 09:00.');
  });
});

describe('previewLayout', () => {
  it('draws aisles and missing seats as gaps, right-to-left rows from the right, rows centred', () => {
    const p = previewLayout([rows('S', { ...newRow('A', 6), aisles: '2', missing: '4', wheelchair: '6' }, { ...newRow('B', 3), rightToLeft: true })]);
    const xs = (label: string) => p.seats.filter((s) => s.key.startsWith(label)).map((s) => s.x);
    // Row A is 7 places wide (6 numbers + 1 aisle): 1 2 _ 3 (4 missing) 5 6.
    expect(p.width).toBe(7);
    expect(xs('0-0-')).toEqual([0, 1, 3, 5, 6]);
    expect(p.seats.filter((s) => s.wheelchair).map((s) => s.key)).toEqual(['0-0-6']);
    // Row B (3 wide) is centred and numbered from the right: seat 1 at the right end.
    expect(p.seats.filter((s) => s.key.startsWith('0-1-')).map((s) => [s.key, s.x])).toEqual([
      ['0-1-1', 4],
      ['0-1-2', 3],
      ['0-1-3', 2],
    ]);
    expect(p.counts).toEqual({ seats: 8, standing: 0, slots: 0 });
  });

  it('lays a standing area out as the service does (its ground) and a slots section as one row', () => {
    // 2000 places in rows of 45 (the square's side, wider than the widest row of 20): 45 rows, the last of 20.
    const p = previewLayout([standing('Floor', 2000), slots('Dr. Rivera', '09:00', '12:00', 15), rows('Bowl', newRow('L1', 20))]);
    expect(p.areas).toEqual([
      {
        key: '0',
        name: 'Floor',
        category: 'floor',
        places: 2000,
        outline: [
          [0, 0],
          [44, 0],
          [44, 43],
          [19, 44],
          [0, 44],
        ],
      },
    ]);
    // After its 45 rows of ground and an empty row.
    expect(p.seats.filter((s) => s.key.startsWith('1-')).map((s) => s.y)).toEqual(Array(12).fill(46));
    expect(p.labels.find((l) => l.label === 'Dr. Rivera')).toMatchObject({ y: 47, under: true });
    expect(p.seats.find((s) => s.key === '2-0-1')?.y).toBe(48);
    expect(p.height).toBe(50);
    expect(p.box.x1).toBe(46);
    // A smaller area is as wide as the widest row, centred like a row: 45 places in rows of 7 (the service's example).
    const small = previewLayout([rows('Stalls', newRow('A', 2)), standing('Floor', 45)]);
    expect(small.areas[0].outline).toEqual([
      [0, 2],
      [6, 2],
      [6, 7],
      [2, 8],
      [0, 8],
    ]);
    const wide = previewLayout([rows('Stalls', newRow('A', 10)), standing('Pit', 40)]);
    expect(wide.areas[0].outline).toEqual([
      [0, 2],
      [9, 2],
      [9, 5],
      [0, 5],
    ]);
    expect(groundCorners(0, 0, 3, 10)).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 3],
    ]);
    expect(groundCorners(1, 0, 5, 3)).toEqual([
      [1, 0],
      [3, 0],
    ]);
    expect(describeCounts(p.counts)).toBe('20 seats, 2000 standing places, and 12 appointment slots');
    expect(describeCounts({ seats: 44, standing: 0, slots: 0 })).toBe('44 seats');
    expect(describeCounts({ seats: 0, standing: 500, slots: 0 })).toBe('500 standing places');
  });
});

describe('layoutCategories', () => {
  it("adds the standing and slots sections' categories the service's list leaves out", () => {
    expect(
      layoutCategories({
        categories: ['lower', 'upper'],
        sections: [
          { name: 'Floor', category: 'floor', standing: 2000 },
          { name: 'Lower bowl', category: 'lower', rows: [{ label: 'L1', seats: 10 }] },
          { name: 'Upper bowl', category: 'upper', rows: [{ label: 'U1', seats: 10, category: 'upper' }] },
        ],
      }),
    ).toEqual(['floor', 'lower', 'upper']);
    expect(
      layoutCategories({
        categories: [],
        sections: [
          { name: 'Dr. Rivera', category: 'consultation', slots: { from: '09:00', to: '12:00', minutes: 15 } },
          { name: 'Dr. Okafor', category: 'follow-up', slots: { from: '09:00', to: '12:00', minutes: 15 } },
        ],
      }),
    ).toEqual(['consultation', 'follow-up']);
    // A rows section whose rows all have their own category gives the section's category no seat.
    expect(layoutCategories({ categories: ['vip'], sections: [{ name: 'Box', category: 'standard', rows: [{ label: 'A', seats: 2, category: 'vip' }] }] })).toEqual(['vip']);
  });
});

describe('placed sections, curved rows and a stage (the service geometry)', () => {
  const placed = (s: DraftSection, x: number, y: number, rotation: number): DraftSection => ({
    ...s,
    placed: true,
    position: { x: String(x), y: String(y), rotation: String(rotation) },
  });
  const stage = (x: number, y: number, label = 'Stage') => ({ enabled: true, label, x: String(x), y: String(y) });
  const points = (p: ReturnType<typeof previewLayout>) => p.seats.map((s) => [s.x, s.y].map((v) => Math.round(v * 1000) / 1000 + 0));

  it('turns a section about its front row’s middle and moves it there', () => {
    // A 3-seat row (places 0..2, middle 1, top 0) turned 90° about (−5, 0): a column at x −5.
    const p = { x: -5, y: 0, rotation: 90 };
    const turned = [0, 1, 2].map((x) => placePoint(x, 0, 1, 0, p).map((v) => Math.round(v * 1e9) / 1e9 + 0));
    expect(turned).toEqual([
      [-5, -1],
      [-5, 0],
      [-5, 1],
    ]);
    // 180° (above the stage, facing it): left and right swap, rows go up.
    expect(placePoint(0, 1, 1, 0, { x: 0, y: -4, rotation: 180 }).map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([1, -5]);
    expect(placePoint(2, 0, 1, 0, { x: 3, y: 4, rotation: 0 })).toEqual([4, 4]);
  });

  it('bends a curved row as a parabola through its middle', () => {
    expect([0, 1, 2, 3, 4].map((place) => rowBend(5, place, 1))).toEqual([1, 0.25, 0, 0.25, 1]);
    expect(rowBend(5, 0, 0)).toBe(0);
    expect(rowBend(1, 0, 3)).toBe(0);
  });

  it('draws like the service: sections placed round a stage, then moved to start at (0, 0)', () => {
    // The service's own example: North facing up at (0, −5), West turned 90° at (−5, 0), the stage at the origin.
    const p = previewLayout([placed(rows('North', newRow('N', 3)), 0, -5, 0), placed(rows('West', newRow('W', 3)), -5, 0, 90)], stage(0, 0));
    expect(p.placed).toBe(true);
    expect(points(p)).toEqual([
      [4, 0],
      [5, 0],
      [6, 0],
      [0, 4],
      [0, 5],
      [0, 6],
    ]);
    expect(p.stage).toEqual({ label: 'Stage', x: 5, y: 5 });
    // Labels turn with their sections and stay inside what the preview shows.
    expect(p.labels.find((l) => l.label === 'West')).toMatchObject({ centred: true });
    for (const l of p.labels) {
      expect(l.x).toBeGreaterThanOrEqual(p.box.x0);
      expect(l.y).toBeGreaterThanOrEqual(p.box.y0);
      expect(l.x).toBeLessThanOrEqual(p.box.x1);
      expect(l.y).toBeLessThanOrEqual(p.box.y1);
    }

    // A curved row brings its ends forward (the service's example: a 5-seat row with curve 1, then a straight row).
    const curved = previewLayout([rows('S', { ...newRow('A', 5), curve: '1' }, newRow('B', 5))]);
    expect(curved.seats.slice(0, 5).map((s) => s.y)).toEqual([0, 0.75, 1, 0.75, 0]);
    expect(curved.seats.slice(5).map((s) => s.y)).toEqual([2, 2, 2, 2, 2]);

    // Seat squares of a section turned off the grid turn with it (modulo a quarter turn); level ones do not.
    const turned = previewLayout([placed(rows('Corner', newRow('K', 3)), 10, 10, 120)]);
    expect(turned.seats.map((s) => s.angle)).toEqual([30, 30, 30]);
    expect(p.seats.every((s) => s.angle === undefined)).toBe(true);

    // A standing area placed between the stage and a section: its ground turns and moves with it.
    const pit = previewLayout(
      [placed(rows('South', newRow('A', 6), newRow('B', 8)), 0, 9, 0), placed(standing('Pit', 40), 0, 2, 0), placed(standing('Side', 4), -8, 4, 90)],
      stage(0, 0),
    );
    // Rows of 8: the pit is 5 rows of 8 centred on x 0 (−3.5..3.5), from y 2; Side's 4 places in a row of 8 turned into
    // a column at x −8 (about the rows' middle); all moved by (8, 0) to start at 0.
    expect(pit.areas.map((a) => a.outline)).toEqual([
      [
        [4.5, 2],
        [11.5, 2],
        [11.5, 6],
        [4.5, 6],
      ],
      [
        [0, 0.5],
        [0, 3.5],
      ],
    ]);
    expect(pit.stage).toEqual({ label: 'Stage', x: 8, y: 0 });
    expect(Math.min(...pit.seats.map((s) => s.y))).toBe(9);
    expect(pit.box.x0).toBeLessThanOrEqual(0);
    expect(pit.box.y1).toBeGreaterThanOrEqual(11);

    // Without placements, curves or a stage nothing moves (the old drawing).
    expect(previewLayout([rows('S', newRow('A', 3))]).placed).toBe(false);
  });

  it('makes a bowl: two sections facing a stage between them', () => {
    const p = previewLayout(
      [placed(rows('South', newRow('A', 4), newRow('B', 4)), 0, 3, 0), placed(rows('North', newRow('C', 4), newRow('D', 4)), 0, -3, 180)],
      stage(0, 0),
    );
    const ys = (prefix: string) => [...new Set(p.seats.filter((s) => s.key.startsWith(prefix)).map((s) => s.y))];
    // South's front row nearest the stage, North's front row likewise, their back rows further out.
    expect(p.stage).toEqual({ label: 'Stage', x: 1.5, y: 4 });
    expect(ys('0-0-')).toEqual([7]);
    expect(ys('0-1-')).toEqual([8]);
    expect(ys('1-0-')).toEqual([1]);
    expect(ys('1-1-')).toEqual([0]);
    // Turned 180°: seat 1 of row C is at the right, seen from above.
    const c = p.seats.filter((s) => s.key.startsWith('1-0-')).map((s) => s.x);
    expect(c[0]).toBeGreaterThan(c[3]);
  });

  it('posts placements, curves and the stage, and says what to fix', () => {
    const body = layoutBody(
      'Bowl',
      [placed(rows('South', { ...newRow('A', 4), curve: '1.5' }, { ...newRow('B', 4), curve: '0' }), 0, 3, 0), placed(rows('North', newRow('C', 4)), 0, -3, 180)],
      stage(0, 0),
    );
    expect(body).toEqual({
      name: 'Bowl',
      sections: [
        { name: 'South', category: 'standard', position: { x: 0, y: 3, rotation: 0 }, rows: [{ label: 'A', seats: 4, curve: 1.5 }, { label: 'B', seats: 4 }] },
        { name: 'North', category: 'standard', position: { x: 0, y: -3, rotation: 180 }, rows: [{ label: 'C', seats: 4 }] },
      ],
      stage: { label: 'Stage', x: 0, y: 0 },
    });
    // A standing area is placed like any section; an unticked stage is not sent.
    expect(layoutBody('x', [{ ...placed(standing('Floor', 10), 1, 1, 0) }], { ...stage(0, 0), enabled: false })).toEqual({
      name: 'x',
      sections: [{ name: 'Floor', category: 'floor', position: { x: 1, y: 1, rotation: 0 }, standing: 10 }],
    });
    expect(layoutBody('x', [{ ...standing('Floor', 10), placed: true, position: { x: 'front', y: '2', rotation: '0' } }])).toBe(
      'Section Floor: x and y must be numbers within ±100000.',
    );
    expect(layoutBody('x', [placed(rows('S', newRow('A', 3)), NaN, 0, 0)])).toBe('Section S: x and y must be numbers within ±100000.');
    expect(layoutBody('x', [{ ...rows('S', newRow('A', 3)), placed: true, position: { x: '1', y: '200000', rotation: '0' } }])).toBe(
      'Section S: x and y must be numbers within ±100000.',
    );
    expect(layoutBody('x', [{ ...rows('S', newRow('A', 3)), placed: true, position: { x: '1', y: '2', rotation: 'left' } }])).toBe(
      'Section S: rotation must be a number of degrees.',
    );
    expect(layoutBody('x', [rows('S', { ...newRow('A', 3), curve: '101' })])).toBe('Row A: curve must be a number between -100 and 100 (row depths).');
    expect(layoutBody('x', [rows('S', newRow('A', 3))], { ...stage(0, 0), label: ' ' })).toBe('The stage needs a label (Stage, Screen, …).');
    expect(layoutBody('x', [rows('S', newRow('A', 3))], stage(0, 1e6))).toBe('The stage: x and y must be numbers within ±100000.');
    expect(parseDecimal(' -2.5 ')).toBe(-2.5);
    expect(parseDecimal('−90')).toBe(-90);
    expect(parseDecimal('1e3')).toBeNull();
    expect(parseDecimal('')).toBeNull();
  });
});
