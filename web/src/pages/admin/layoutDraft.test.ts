import { describe, expect, it } from 'vitest';
import { describeCounts, describeSlots, layoutBody, layoutCategories, newRow, newSection, parseNumberList, previewLayout, slotStarts, type DraftSection } from './layoutDraft';

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

  it('draws a standing area as a block two rows high and a slots section as one row', () => {
    const p = previewLayout([standing('Floor', 2000), slots('Dr. Rivera', '09:00', '12:00', 15), rows('Bowl', newRow('L1', 20))]);
    expect(p.areas).toEqual([{ key: '0', name: 'Floor', y: 0, category: 'floor', places: 2000 }]);
    expect(p.seats.filter((s) => s.key.startsWith('1-')).map((s) => s.y)).toEqual(Array(12).fill(2));
    expect(p.labels.find((l) => l.label === 'Dr. Rivera')).toMatchObject({ y: 3, under: true });
    expect(p.seats.find((s) => s.key === '2-0-1')?.y).toBe(4);
    expect(p.height).toBe(6);
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
