const PALETTE = ['#8ecae6', '#ffb703', '#95d5b2', '#f4a3c0', '#cdb4db', '#f6bd60', '#a3c4f3', '#e9c46a'];

/** A stable colour per category (in sorted order). */
export function categoryColours(categories: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(categories)].sort();
  return new Map(sorted.map((c, i) => [c, PALETTE[i % PALETTE.length]]));
}
