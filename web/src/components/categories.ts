/**
 * Category colours. A category's colour comes from its name (a hash into a fixed palette), not from
 * its place in a show's list, so "premium" looks the same on every show. The palette's colours are
 * light enough for the map's dark text (contrast ≥ 7:1 with #1d1d1f) and distinct from the states
 * drawn on top (selected: blue with white text, held: hatched grey, booked: dark grey), which are
 * also told apart by symbol, never by colour alone.
 */
export const PALETTE = [
  '#8ecae6', // sky
  '#ffb703', // amber
  '#95d5b2', // mint
  '#f4a3c0', // pink
  '#cdb4db', // lavender
  '#f9a66c', // apricot
  '#b5e48c', // lime
  '#a8b8f0', // periwinkle
  '#80cbc4', // teal
  '#e9d8a6', // sand
  '#d4a373', // tan
  '#e5e5e5', // silver
] as const;

/** FNV-1a over the name's UTF-16 code units: small, fast and the same in every browser. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  const s = name.trim().toLowerCase();
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The palette colour a category name asks for (before any clash on one show is settled). */
export function categoryColour(name: string): string {
  return PALETTE[nameHash(name) % PALETTE.length];
}

/**
 * A colour per category of one show: each takes its name's colour; when two names of the same show
 * ask for the same colour, the later name (in sorted order) takes the next free one, so a show never
 * shows two categories alike (up to the palette's size).
 */
export function categoryColours(categories: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(categories)].sort();
  const used = new Set<number>();
  const out = new Map<string, string>();
  for (const c of sorted) {
    let i = nameHash(c) % PALETTE.length;
    for (let probe = 0; probe < PALETTE.length && used.has(i); probe++) i = (i + 1) % PALETTE.length;
    used.add(i);
    out.set(c, PALETTE[i]);
  }
  return out;
}
