import type { Layout, LayoutRow, LayoutSection, NewLayout } from '../../api/client';
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
}

export const MAX_SEATS_PER_ROW = 500;
export const MAX_STANDING = 50_000;

export const newRow = (label: string, seats = 10): DraftRow => ({ label, seats, category: '', aisles: '', missing: '', wheelchair: '', rightToLeft: false });

export const newSection = (name: string, rowLabel: string): DraftSection => ({
  name,
  category: 'standard',
  kind: 'rows',
  rows: [newRow(rowLabel)],
  standing: 500,
  slots: { from: '09:00', to: '12:00', minutes: 15 },
});

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
  return row;
}

/** The layout to post, or the first thing the form must fix (the service checks the rest and says so). */
export function layoutBody(name: string, sections: readonly DraftSection[]): NewLayout | string {
  const out: LayoutSection[] = [];
  for (const s of sections) {
    const base = { name: s.name.trim(), category: s.category.trim() };
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
  return { name: name.trim(), sections: out };
}

export interface PreviewSeat {
  key: string;
  x: number;
  y: number;
  category: string;
  wheelchair: boolean;
}
export interface PreviewArea {
  key: string;
  name: string;
  y: number;
  category: string;
  places: number;
}
export interface Preview {
  seats: PreviewSeat[];
  /** Row labels left of their rows; a slots section's name under its row (`under`). */
  labels: { key: string; label: string; y: number; x: number; under?: boolean }[];
  areas: PreviewArea[];
  width: number;
  height: number;
  /** Seats in rows, standing places, appointment slots. */
  counts: { seats: number; standing: number; slots: number };
}

const numbersOf = (text: string) => parseNumberList(text) ?? [];

/**
 * Positions like the service draws them: rows centred on the widest, an aisle one seat wide after each
 * `aisles` number, missing seats leaving their place empty, right-to-left rows numbered from the right;
 * a slots section is one row; a standing area takes two rows' height (drawn as a block); one empty row
 * between sections.
 */
export function previewLayout(sections: readonly DraftSection[]): Preview {
  const rowWidth = (r: DraftRow) => Math.max(0, Math.min(MAX_SEATS_PER_ROW, r.seats || 0)) + new Set(numbersOf(r.aisles).filter((n) => n < r.seats)).size;
  const widths = sections.flatMap((s) => (s.kind === 'rows' ? s.rows.map(rowWidth) : s.kind === 'slots' ? [slotStarts(s.slots).length] : []));
  const widest = Math.max(1, ...widths);
  const out: Preview = { seats: [], labels: [], areas: [], width: widest, height: 0, counts: { seats: 0, standing: 0, slots: 0 } };
  let y = 0;
  sections.forEach((s, si) => {
    if (s.kind === 'standing') {
      const places = Math.max(0, Math.min(MAX_STANDING, Math.floor(s.standing || 0)));
      out.areas.push({ key: `${si}`, name: s.name, y, category: s.category, places });
      out.counts.standing += places;
      y += 2;
      return;
    }
    if (s.kind === 'slots') {
      const n = slotStarts(s.slots).length;
      const off = (widest - n) / 2;
      out.labels.push({ key: `${si}`, label: s.name, y: y + 1, x: off, under: true });
      for (let i = 0; i < n; i++) out.seats.push({ key: `${si}-${i}`, x: off + i, y, category: s.category, wheelchair: false });
      out.counts.slots += n;
      y += 2;
      return;
    }
    s.rows.forEach((r, ri) => {
      const n = Math.max(0, Math.min(MAX_SEATS_PER_ROW, r.seats || 0));
      const width = rowWidth(r);
      const gaps = numbersOf(r.aisles);
      const missing = new Set(numbersOf(r.missing));
      const wheelchair = new Set(numbersOf(r.wheelchair));
      const off = (widest - width) / 2;
      out.labels.push({ key: `${si}-${ri}`, label: r.label, y, x: off });
      for (let number = 1; number <= n; number++) {
        if (missing.has(number)) continue;
        const fromFirst = number - 1 + gaps.filter((g) => g < number && g < n).length;
        const place = r.rightToLeft ? width - 1 - fromFirst : fromFirst;
        out.seats.push({ key: `${si}-${ri}-${number}`, x: off + place, y, category: r.category || s.category, wheelchair: wheelchair.has(number) });
        out.counts.seats++;
      }
      y++;
    });
    y++;
  });
  out.height = y;
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
