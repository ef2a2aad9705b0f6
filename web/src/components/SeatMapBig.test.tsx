import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Seat, SeatState, StandingArea } from '../api/client';
import { categoryColours } from './categories';
import { BIG_MAP, SeatMap } from './SeatMap';

// jsdom lays nothing out: give the map's boxes a size (a 1200 × 600 viewport) and scroll positions that stick.
const sizes: Record<string, { w: number; h: number }> = { 'seatmap-body': { w: 1230, h: 600 }, 'seatmap-scroll': { w: 1200, h: 600 } };
const saved: [string, PropertyDescriptor | undefined][] = [];
const scroll = new WeakMap<Element, { left: number; top: number }>();
function box(el: HTMLElement) {
  for (const [cls, size] of Object.entries(sizes)) if (el.classList?.contains(cls)) return size;
  return null;
}
beforeAll(() => {
  const define = (name: string, get: (this: HTMLElement) => number, set?: (this: HTMLElement, v: number) => void) => {
    saved.push([name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name) ?? Object.getOwnPropertyDescriptor(Element.prototype, name)]);
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get, set });
  };
  define('clientWidth', function () {
    return box(this)?.w ?? 0;
  });
  define('offsetWidth', function () {
    return box(this)?.w ?? 0;
  });
  define('clientHeight', function () {
    return box(this)?.h ?? 0;
  });
  define('offsetHeight', function () {
    return box(this)?.h ?? 0;
  });
  define(
    'scrollLeft',
    function () {
      return scroll.get(this)?.left ?? 0;
    },
    function (v) {
      scroll.set(this, { left: Math.max(0, v), top: scroll.get(this)?.top ?? 0 });
    },
  );
  define(
    'scrollTop',
    function () {
      return scroll.get(this)?.top ?? 0;
    },
    function (v) {
      scroll.set(this, { left: scroll.get(this)?.left ?? 0, top: Math.max(0, v) });
    },
  );
});
afterAll(() => {
  for (const [name, d] of saved.reverse()) {
    if (d) Object.defineProperty(HTMLElement.prototype, name, d);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  }
});

/** A generated venue: `blocks` sections of `rows` × `perRow` seats, five blocks side by side per tier. */
function venue(blocks: number, rows: number, perRow: number): Seat[] {
  const out: Seat[] = [];
  for (let b = 0; b < blocks; b++)
    for (let r = 0; r < rows; r++)
      for (let n = 1; n <= perRow; n++)
        out.push({
          id: out.length + 1,
          label: `${b + 1}-${r + 1}-${n}`,
          section: `Block ${b + 1}`,
          row: `${b + 1}-${r + 1}`,
          number: n,
          category: b % 2 ? 'upper' : 'lower',
          price_cents: b % 2 ? 4500 : 8500,
          x: (b % 5) * (perRow + 2) + n - 1,
          y: Math.floor(b / 5) * (rows + 1) + r,
          status: r === 0 && b === 1 ? 'BOOKED' : 'AVAILABLE',
        });
  return out;
}

function Venue({ seats, standing, onPickStanding }: { seats: Seat[]; standing?: StandingArea[]; onPickStanding?(section: string): void }) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  return (
    <SeatMap
      seats={seats}
      statuses={new Map(seats.map((s) => [s.id, s.status as SeatState]))}
      selected={selected}
      colours={categoryColours(['floor', 'lower', 'upper'])}
      onToggle={(id) => setSelected((prev) => new Set(prev).add(id))}
      standing={standing}
      onPickStanding={onPickStanding}
    />
  );
}

const seatButtons = () => document.querySelectorAll('button.seat').length;

describe('SeatMap for a big venue', () => {
  it('opens on the sections (each with its price and seats left), zooms into one with Enter and renders only seats near the view', async () => {
    const seats = venue(10, 20, 100); // 20,000 seats in 10 blocks
    expect(seats.length).toBeGreaterThan(BIG_MAP);
    const user = userEvent.setup();
    render(<Venue seats={seats} />);
    // The overview: no seats yet, one button per section.
    expect(seatButtons()).toBe(0);
    expect(screen.getByRole('group', { name: /^Seat map, sections/ })).toBeInTheDocument();
    const block1 = screen.getByRole('button', { name: 'Block 1, €85.00, 2000 of 2000 seats left. Show its seats' });
    expect(screen.getByRole('button', { name: 'Block 2, €45.00, 1900 of 2000 seats left. Show its seats' })).toBeInTheDocument();
    expect(block1).toHaveClass('level-many');
    expect(screen.getByRole('list', { name: 'Sections by seats left' })).toBeInTheDocument();
    // Keyboard: Tab to a section, Enter zooms into it and moves focus to a seat in its front row's middle.
    block1.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Seat 1-1-(50|51), lower, €85.00, available$/));
    expect(screen.getByRole('group', { name: /^Seat map\. Use the arrow keys/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Show its seats$/ })).toBeNull();
    // Only the tiles near the view are rendered, a few hundred seats a frame, never all 20,000.
    await waitFor(() => expect(seatButtons()).toBeGreaterThan(500));
    expect(seatButtons()).toBeLessThan(6000);
    // Arrow keys work on the rendered seats; a click selects.
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Seat 1-1-(51|52),/);
    await user.keyboard('{Enter}');
    expect(document.activeElement).toHaveAttribute('aria-pressed', 'true');
    // "All sections" goes back to the overview.
    await user.click(screen.getByRole('button', { name: 'All sections' }));
    // The seats stay rendered but hidden (content-visibility: hidden), so zooming back in is cheap.
    expect(document.querySelector('.seat-tiles')).toHaveAttribute('data-hidden');
    expect(screen.getByRole('button', { name: /^Block 1,/ })).toBeInTheDocument();
  }, 30_000);

  it('shows a standing floor in the overview like a section, with its places left; picking it brings up its picker', async () => {
    // As in the arena: a floor first, as wide as the five blocks side by side (x 0..507) and 4 rows deep, the blocks behind it.
    const seats = venue(10, 20, 100).map((s) => ({ ...s, y: s.y + 15 }));
    const floor: StandingArea = {
      section: 'Floor',
      category: 'floor',
      price_cents: 15000,
      capacity: 2000,
      available: 1997,
      outline: [
        { x: 0, y: 0 },
        { x: 507, y: 0 },
        { x: 507, y: 2 },
        { x: 0, y: 3 },
      ],
    };
    const onPick = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<Venue seats={seats} standing={[floor]} onPickStanding={onPick} />);
    // The overview: the floor is a tile like the sections, named with its price and places left.
    const tile = screen.getByRole('button', { name: 'Floor, standing, €150.00 per place, 1,997 places left' });
    expect(tile).toHaveTextContent('1,997 places left');
    expect(screen.getAllByRole('button', { name: /Show its seats$/ })).toHaveLength(10);
    // Its ground is drawn in the map, inside the drawing (which fits the viewport), above the first tier.
    const map = screen.getByRole('group', { name: /^Seat map, sections/ });
    const g = document.querySelector('polygon.standing-shape')!;
    const pts = g.getAttribute('points')!.trim().split(/\s+/).map((p) => p.split(',').map(Number));
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(parseFloat(map.style.width));
      expect(y).toBeLessThanOrEqual(parseFloat(map.style.height));
    }
    const scale = Number(/scale\(([\d.]+)\)/.exec(map.style.transform)?.[1]);
    expect(parseFloat(map.style.width) * scale).toBeLessThanOrEqual(1200);
    expect(parseFloat(map.style.height) * scale).toBeLessThanOrEqual(600);
    // A tile's middle is the ground's middle, as the sections' are theirs.
    const tileTop = parseFloat(tile.style.top);
    const block1Top = parseFloat(screen.getByRole('button', { name: /^Block 1,/ }).style.top);
    expect(tileTop).toBeLessThan(block1Top);
    await user.click(tile);
    expect(onPick).toHaveBeenCalledWith('Floor');
    // Live: the tile follows the places left.
    rerender(<Venue seats={seats} standing={[{ ...floor, available: 0 }]} onPickStanding={onPick} />);
    expect(screen.getByRole('button', { name: 'Floor, standing, €150.00 per place, sold out' })).toHaveTextContent('Sold out');
  }, 30_000);

  it('stays usable at 50,000 seats: the overview at once, a section in a moment', async () => {
    const seats = venue(20, 25, 100);
    expect(seats).toHaveLength(50_000);
    const t0 = performance.now();
    render(<Venue seats={seats} />);
    const opened = performance.now() - t0;
    expect(screen.getAllByRole('button', { name: /Show its seats$/ })).toHaveLength(20);
    expect(seatButtons()).toBe(0);
    const t1 = performance.now();
    act(() => {
      fireEvent.click(screen.getByRole('button', { name: /^Block 17,/ }));
    });
    await waitFor(() => expect(seatButtons()).toBeGreaterThan(0));
    const zoomed = performance.now() - t1;
    await waitFor(() => expect(within(screen.getByRole('group', { name: /^Seat map\./ })).getByRole('button', { name: /^Seat 17-1-50,/ })).toBeInTheDocument());
    expect(seatButtons()).toBeLessThan(6000);
    console.log(`# 50,000 seats in jsdom: overview ${Math.round(opened)} ms, first seats of a section ${Math.round(zoomed)} ms`);
    // jsdom is far slower than a browser; these bound a hang, not a frame budget (the browser test traces that).
    expect(opened).toBeLessThan(5000);
    expect(zoomed).toBeLessThan(5000);
  }, 30_000);
});
