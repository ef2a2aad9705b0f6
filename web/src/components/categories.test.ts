import { describe, expect, it } from 'vitest';
import { categoryColour, categoryColours, PALETTE } from './categories';

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

describe('category colours', () => {
  it('gives a category the same colour on every show, whatever else the show sells', () => {
    const cinema = categoryColours(['standard', 'premium']);
    const gala = categoryColours(['balcony', 'premium', 'stalls', 'box']);
    const oneOnly = categoryColours(['premium']);
    expect(cinema.get('premium')).toBe(categoryColour('premium'));
    expect(gala.get('premium')).toBe(cinema.get('premium'));
    expect(oneOnly.get('premium')).toBe(cinema.get('premium'));
    // Not by position: the first category of two different shows need not share a colour.
    expect(categoryColours(['lower', 'upper']).get('lower')).toBe(categoryColour('lower'));
  });

  it('never gives two categories of one show the same colour', () => {
    const names = ['standard', 'premium', 'vip', 'lower', 'upper', 'floor', 'balcony', 'box', 'stalls', 'circle', 'gallery', 'pit'];
    const colours = categoryColours(names);
    expect(new Set(colours.values()).size).toBe(names.length);
  });

  it('keeps the seat numbers readable: dark text on every palette colour at 7:1 or more', () => {
    for (const c of PALETTE) expect(contrast(c, '#1d1d1f')).toBeGreaterThanOrEqual(7);
  });
});
