import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { Seat, SeatState, StandingArea } from '../api/client';
import { categoryColours } from './categories';
import { buildStructure, mapFrame, moveFocus, SeatMap, type MapStage } from './SeatMap';

/** Seat sizes (px) the frame is checked at. */
const ZOOM_STEPS = [8, 12, 16, 22, 30, 40, 48];

function mkSeat(id: number, row: string, number: number, y: number, extra: Partial<Seat> = {}): Seat {
  return {
    id,
    label: `${row}${number}`,
    section: 'Stalls',
    row,
    number,
    category: 'standard',
    price_cents: 1200,
    x: number - 1,
    y,
    status: 'AVAILABLE',
    ...extra,
  };
}

// Row A: A1..A4; row B: B1..B3 (centred: x 0.5..2.5); row C in another section, premium.
const SEATS: Seat[] = [
  mkSeat(1, 'A', 1, 0),
  mkSeat(2, 'A', 2, 0),
  mkSeat(3, 'A', 3, 0, { status: 'BOOKED' }),
  mkSeat(4, 'A', 4, 0),
  mkSeat(5, 'B', 1, 1, { x: 0.5 }),
  mkSeat(6, 'B', 2, 1, { x: 1.5, status: 'HELD' }),
  mkSeat(7, 'B', 3, 1, { x: 2.5 }),
  mkSeat(8, 'C', 12, 3, { x: 1, section: 'Premium', category: 'premium', price_cents: 1850 }),
];

function Harness({ statuses, selectable }: { statuses?: Map<number, SeatState>; selectable?(status: SeatState): boolean }) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  return (
    <SeatMap
      seats={SEATS}
      statuses={statuses ?? new Map(SEATS.map((s) => [s.id, s.status]))}
      selected={selected}
      colours={categoryColours(['standard', 'premium'])}
      selectable={selectable}
      onToggle={(id) =>
        setSelected((prev) => {
          const n = new Set(prev);
          if (n.has(id)) n.delete(id);
          else n.add(id);
          return n;
        })
      }
    />
  );
}

const mapButtons = () => within(screen.getByRole('group', { name: /^Seat map/ })).getAllByRole('button');
const seat = (label: string) => screen.getByRole('button', { name: new RegExp(`^Seat ${label},`) });

describe('SeatMap', () => {
  it('gives every seat a button named by label, category, price and status', () => {
    render(<Harness />);
    expect(mapButtons()).toHaveLength(SEATS.length);
    expect(screen.getByRole('button', { name: 'Seat A1, standard, €12.00, available' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat A3, standard, €12.00, booked' })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByRole('button', { name: 'Seat B2, standard, €12.00, held' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat C12, premium, €18.50, available' })).toBeInTheDocument();
  });

  it('shows status with a symbol, not colour alone', () => {
    render(<Harness />);
    expect(seat('A3')).toHaveTextContent('✕');
    expect(seat('B2')).toHaveTextContent('◐');
  });

  it('toggles selection with aria-pressed, and ignores unavailable seats', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'false');
    await user.click(seat('A1'));
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'true');
    expect(seat('A1')).toHaveTextContent('✓');
    await user.click(seat('A1'));
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'false');
    await user.click(seat('A3'));
    expect(seat('A3')).toHaveAttribute('aria-pressed', 'false');
  });

  it('keeps exactly one seat in the tab order (roving tabindex)', () => {
    render(<Harness />);
    const tabbable = mapButtons().filter((b) => b.tabIndex === 0);
    expect(tabbable).toEqual([seat('A1')]);
  });

  it('moves focus with the arrow keys, Home and End, and selects with Enter and Space', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    // Past the zoom buttons, straight onto the map's one tab stop.
    await user.tab();
    await user.tab();
    await user.tab();
    expect(seat('A1')).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(seat('A2')).toHaveFocus();
    expect(seat('A2').tabIndex).toBe(0);
    expect(seat('A1').tabIndex).toBe(-1);
    await user.keyboard('{ArrowRight}'); // onto a booked seat: focusable, announced, not selectable
    expect(seat('A3')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(seat('A3')).toHaveAttribute('aria-pressed', 'false');
    await user.keyboard('{ArrowDown}'); // nearest seat by position in the next row (x 2 → B2 at 1.5 / B3 at 2.5)
    expect(seat('B2')).toHaveFocus();
    await user.keyboard('{End}');
    expect(seat('B3')).toHaveFocus();
    await user.keyboard(' ');
    expect(seat('B3')).toHaveAttribute('aria-pressed', 'true');
    await user.keyboard('{Home}');
    expect(seat('B1')).toHaveFocus();
    await user.keyboard('{ArrowDown}'); // across the section gap
    expect(seat('C12')).toHaveFocus();
    await user.keyboard('{ArrowDown}'); // nothing below: stays
    expect(seat('C12')).toHaveFocus();
    await user.keyboard('{ArrowUp}'); // C12 at x 1: B1 (0.5) and B2 (1.5) tie, the leftmost wins
    expect(seat('B1')).toHaveFocus();
    await user.keyboard('{ArrowUp}');
    expect(seat('A1')).toHaveFocus();
    await user.keyboard('{ArrowLeft}'); // at the row's start: stays
    expect(seat('A1')).toHaveFocus();
  });

  it('reflects live status changes in names', () => {
    const { rerender } = render(<Harness />);
    expect(seat('A4')).toHaveAccessibleName('Seat A4, standard, €12.00, available');
    const next = new Map(SEATS.map((s) => [s.id, s.status] as [number, SeatState]));
    next.set(4, 'BOOKED');
    rerender(<Harness statuses={next} />);
    expect(seat('A4')).toHaveAccessibleName('Seat A4, standard, €12.00, booked');
    fireEvent.click(seat('A4'));
    expect(seat('A4')).toHaveAttribute('aria-pressed', 'false');
  });

  it('zooms in and out in steps with a transform, keeping selection and seat names', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const zoom = () => screen.getByRole('toolbar', { name: 'Zoom' }).querySelector('output')!.textContent;
    const scale = () => Number(/scale\(([\d.]+)\)/.exec(screen.getByRole('group', { name: /^Seat map/ }).style.transform)?.[1]);
    await user.click(seat('A2'));
    expect(zoom()).toBe('100%');
    expect(scale()).toBe(1);
    await user.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(zoom()).toBe('125%');
    expect(scale()).toBeCloseTo(1.25);
    await user.click(screen.getByRole('button', { name: 'Zoom out' }));
    await user.click(screen.getByRole('button', { name: 'Zoom out' }));
    expect(zoom()).toBe('80%');
    expect(scale()).toBeCloseTo(0.8);
    // A zoom step re-renders no seat: the same buttons, still selected, still named.
    expect(seat('A2')).toHaveAttribute('aria-pressed', 'true');
    expect(seat('A2')).toHaveAccessibleName('Seat A2, standard, €12.00, available');
    // + and − on the map zoom too.
    seat('A2').focus();
    await user.keyboard('+');
    expect(zoom()).toBe('100%');
    // At the largest step "Zoom in" is disabled.
    for (let i = 0; i < 10; i++) {
      const zin = screen.getByRole('button', { name: 'Zoom in' });
      if ((zin as HTMLButtonElement).disabled) break;
      await user.click(zin);
    }
    expect(screen.getByRole('button', { name: 'Zoom in' })).toBeDisabled();
    expect(zoom()).toBe('160%');
  });

  it('lets a caller make other statuses selectable (the admin picks blocked seats to unblock), or none', async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Harness selectable={(st) => st === 'AVAILABLE' || st === 'HELD'} />);
    await user.click(seat('B2'));
    expect(seat('B2')).toHaveAttribute('aria-pressed', 'true');
    expect(seat('B2')).not.toHaveAttribute('aria-disabled');
    await user.click(seat('A3'));
    expect(seat('A3')).toHaveAttribute('aria-pressed', 'false');
    unmount();

    render(<Harness selectable={() => false} />);
    await user.click(seat('A1'));
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'false');
    expect(seat('A1')).toHaveAttribute('aria-disabled', 'true');
  });
});

describe('SeatMap with a stage and placed sections', () => {
  // A small bowl as the service gives it: "South" faces up below the stage (rows A, B, level), "West" is turned
  // 90° left of it (its rows C, D run down the page, C nearest the stage), then normalised to start at (0, 0).
  const bowl: Seat[] = [
    ...[1, 2, 3].map((n, i) => mkSeat(1 + i, 'A', n, 5, { section: 'South', x: 3 + i })),
    ...[1, 2, 3].map((n, i) => mkSeat(4 + i, 'B', n, 6, { section: 'South', x: 3 + i })),
    ...[1, 2, 3].map((n, i) => mkSeat(7 + i, 'C', n, 1 + i, { section: 'West', x: 1 })),
    ...[1, 2, 3].map((n, i) => mkSeat(10 + i, 'D', n, 1 + i, { section: 'West', x: 0 })),
  ];
  const stage: MapStage = { label: 'Stage', x: 4, y: 2 };

  function Bowl({ seats = bowl, withStage = stage }: { seats?: Seat[]; withStage?: MapStage | null }) {
    const [selected, setSelected] = useState<Set<number>>(new Set());
    return (
      <SeatMap
        seats={seats}
        stage={withStage}
        statuses={new Map(seats.map((s) => [s.id, s.status]))}
        selected={selected}
        colours={categoryColours(['standard'])}
        onToggle={(id) => setSelected((prev) => new Set(prev).add(id))}
      />
    );
  }
  const px = (el: HTMLElement, prop: 'left' | 'top' | 'width' | 'height') => parseFloat(el.style[prop]);

  it('draws the stage as a labelled bar inside the map', () => {
    render(<Bowl />);
    const map = screen.getByRole('group', { name: /^Seat map/ });
    const bar = screen.getByTestId('stage');
    expect(bar).toHaveTextContent('Stage');
    expect(within(map).getByText('Stage')).toBe(bar);
    expect(px(bar, 'left')).toBeGreaterThanOrEqual(0);
    expect(px(bar, 'top')).toBeGreaterThanOrEqual(0);
    expect(px(bar, 'left') + px(bar, 'width')).toBeLessThanOrEqual(px(map, 'width'));
    expect(px(bar, 'top') + px(bar, 'height')).toBeLessThanOrEqual(px(map, 'height'));
    // Centred on the stage's point (the middle of the seat place at 4, 2), 30 px seats.
    const a2 = seat('A2').parentElement!;
    const seatLeft = px(a2, 'left') + px(seat('A2'), 'left'); // A2 sits at x 4, like the stage
    expect(px(bar, 'left') + px(bar, 'width') / 2).toBeCloseTo(seatLeft + 15, 0);
  });

  it('keeps the cinema drawing and puts its screen above the first row', () => {
    const cinema = SEATS.map((s) => ({ ...s, y: s.y + 2 }));
    render(<Bowl seats={cinema} withStage={{ label: 'Screen', x: 1.5, y: 0 }} />);
    const bar = screen.getByTestId('stage');
    expect(bar).toHaveTextContent('Screen');
    const a1 = seat('A1');
    expect(px(bar, 'top') + px(bar, 'height')).toBeLessThanOrEqual(px(a1.parentElement!, 'top') + px(a1, 'top'));
    // Section names and row labels as always.
    expect(screen.getByText('Stalls')).toHaveClass('section-label');
    expect(screen.getByText('Premium')).toHaveClass('section-label');
    expect(screen.getAllByText('A')[0]).toHaveClass('row-label');
    expect(screen.getAllByRole('button', { name: /^Seat / }).every((b) => !b.style.transform)).toBe(true);
  });

  it('turns the seats of a turned section, keeps every seat a button and names sections where they are', () => {
    render(<Bowl />);
    expect(mapButtons()).toHaveLength(bowl.length);
    // West's rows run down the page: its seats are turned a quarter (drawn as squares, so 90° shows as 0°: no turn needed).
    expect(seat('C1').style.transform).toBe('');
    expect(screen.getByText('West')).toHaveClass('section-label-placed');
    expect(screen.getByText('South')).toHaveClass('section-label-placed');
    // West's name is left of its back row (D at x 0), South's below its back row (B at y 6).
    const west = screen.getByText('West');
    const south = screen.getByText('South');
    expect(px(west, 'left')).toBeLessThan(px(seat('D1').parentElement!, 'left'));
    expect(px(south, 'top')).toBeGreaterThan(px(seat('B1').parentElement!, 'top') + px(seat('B1'), 'top'));
  });

  it('turns seats of diagonal rows so they do not overlap, and their numbers stay upright', () => {
    const r = Math.SQRT1_2;
    const diagonal = [1, 2, 3].map((n, i) => mkSeat(20 + i, 'E', n, i * r, { section: 'Corner', x: i * r }));
    render(<Bowl seats={diagonal} withStage={null} />);
    expect(seat('E1').style.transform).toBe('rotate(45deg)');
    expect((seat('E1').firstElementChild as HTMLElement).style.transform).toBe('rotate(-45deg)');
  });

  it('moves by row and number, not by where seats are drawn', async () => {
    const user = userEvent.setup();
    render(<Bowl />);
    seat('C1').focus();
    await user.keyboard('{ArrowRight}'); // along row C by number (down the page)
    expect(seat('C2')).toHaveFocus();
    await user.keyboard('{End}');
    expect(seat('C3')).toHaveFocus();
    await user.keyboard('{ArrowDown}'); // the row behind: D, its nearest seat
    expect(seat('D3')).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}'); // C, then the row before it in the layout: South's B
    expect(seat('B1')).toHaveFocus();
    await user.keyboard('{Home}{ArrowUp}');
    expect(seat('A1')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'true');
  });
});

describe('SeatMap with standing areas', () => {
  // A small arena as the service gives it: a floor of 2 rows of 4 places first, then the bowl's row L1 behind an empty row.
  const bowl = [1, 2, 3, 4].map((n) => mkSeat(100 + n, 'L1', n, 3, { section: 'Lower bowl', category: 'lower', price_cents: 8500, label: `L1-${n}` }));
  const outline = [
    { x: 0, y: 0 },
    { x: 3, y: 0 },
    { x: 3, y: 1 },
    { x: 0, y: 1 },
  ];
  const floor = (available: number, withOutline = true): StandingArea => ({
    section: 'Floor',
    category: 'floor',
    price_cents: 15000,
    capacity: 1500,
    available,
    ...(withOutline ? { outline } : {}),
  });
  const colours = categoryColours(['floor', 'lower']);

  function Arena({ standing, onPick }: { standing: StandingArea[]; onPick?(section: string): void }) {
    return (
      <SeatMap
        seats={bowl}
        statuses={new Map(bowl.map((s) => [s.id, s.status]))}
        selected={new Set()}
        colours={colours}
        onToggle={() => undefined}
        standing={standing}
        onPickStanding={onPick}
      />
    );
  }
  const ground = () => document.querySelector<SVGPolygonElement>('polygon.standing-shape');
  const ys = (points: string) => points.trim().split(/\s+/).map((p) => Number(p.split(',')[1]));

  it('draws an area with an outline in its colour, named with its places left, as a button that picks it', async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    render(<Arena standing={[floor(1234)]} onPick={onPick} />);
    const area = screen.getByRole('button', { name: 'Floor, standing, €150.00 per place, 1,234 places left' });
    expect(area).toHaveTextContent('Floor · 1,234 places left');
    // Its ground: the category's colour (the legend's and the standing card's), above the bowl's row.
    const g = ground()!;
    expect(g.getAttribute('fill')).toBe(colours.get('floor'));
    const top = (b: HTMLElement) => parseFloat(b.parentElement!.style.top) + parseFloat(b.style.top);
    expect(Math.max(...ys(g.getAttribute('points')!))).toBeLessThanOrEqual(top(seat('L1-1')));
    // The seats are still buttons as before; the area is one more, in the tab order.
    expect(mapButtons()).toHaveLength(bowl.length + 1);
    expect(area.tabIndex).toBe(0);
    // Click, Enter and Space pick it; so does a click on its ground.
    await user.click(area);
    area.focus();
    await user.keyboard('{Enter}');
    await user.keyboard(' ');
    fireEvent.click(g);
    expect(onPick.mock.calls).toEqual([['Floor'], ['Floor'], ['Floor'], ['Floor']]);
  });

  it('keeps the places left live, and says when the area is sold out', () => {
    const { rerender } = render(<Arena standing={[floor(1234)]} onPick={() => undefined} />);
    const g = ground();
    rerender(<Arena standing={[floor(1)]} onPick={() => undefined} />);
    expect(screen.getByRole('button', { name: 'Floor, standing, €150.00 per place, 1 place left' })).toHaveTextContent('Floor · 1 place left');
    rerender(<Arena standing={[floor(0)]} onPick={() => undefined} />);
    expect(screen.getByRole('button', { name: 'Floor, standing, €150.00 per place, sold out' })).toHaveTextContent('Floor · sold out');
    expect(ground()).toHaveClass('standing-soldout');
    // Only the count changed: the same ground, not a new drawing.
    expect(ground()).toBe(g);
  });

  it('draws no region for an area without an outline (older shows), and the seats as before', () => {
    const plain = render(<Arena standing={[]} />);
    const before = screen.getByRole('group', { name: /^Seat map/ }).style.cssText;
    plain.unmount();
    render(<Arena standing={[floor(1234, false)]} onPick={() => undefined} />);
    expect(ground()).toBeNull();
    expect(screen.queryByRole('button', { name: /^Floor/ })).toBeNull();
    expect(mapButtons()).toHaveLength(bowl.length);
    expect(screen.getByRole('group', { name: /^Seat map/ }).style.cssText).toBe(before);
  });

  it("makes the drawing's size cover the area's ground", () => {
    const plain = render(<Arena standing={[]} />);
    const size = (el: HTMLElement) => [parseFloat(el.style.width), parseFloat(el.style.height)];
    const [w0, h0] = size(screen.getByRole('group', { name: /^Seat map/ }));
    plain.unmount();
    render(<Arena standing={[floor(1234)]} onPick={() => undefined} />);
    const map = screen.getByRole('group', { name: /^Seat map/ });
    const [w, h] = size(map);
    expect(w).toBeGreaterThanOrEqual(w0);
    // The floor's two rows and the empty row before L1 (its section's name sits in that row).
    expect(h).toBeGreaterThanOrEqual(h0 + 2 * 30);
    const pts = ground()!.getAttribute('points')!.trim().split(/\s+/).map((p) => p.split(',').map(Number));
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(w);
      expect(y).toBeLessThanOrEqual(h);
    }
  });

  it('names the area without a button when there is nothing to pick (a cancelled show)', () => {
    render(<Arena standing={[floor(1234)]} />);
    expect(ground()).not.toBeNull();
    expect(screen.queryByRole('button', { name: /^Floor/ })).toBeNull();
    expect(screen.getByText('Floor').closest('.standing-label')).toHaveAttribute('aria-hidden', 'true');
  });
});

describe('buildStructure / mapFrame', () => {
  it('orders rows as the layout does and keeps right-to-left rows left to right on screen', () => {
    const rtl = [1, 2, 3].map((n) => mkSeat(n, 'A', n, 0, { x: 3 - n }));
    const st = buildStructure([...rtl, mkSeat(4, 'B', 1, 1)]);
    expect(st.rows).toEqual([[3, 2, 1], [4]]);
    expect(st.grid).toBe(true);
    expect(moveFocus(st, 3, 'ArrowRight')).toBe(2);
  });

  it("keeps a plain hall's stage clear of the first section's name (the coach's front, 1.5 rows ahead)", () => {
    const coach = [1, 2, 3, 4].map((n) => mkSeat(n, 'A', n, 1.5, { section: 'Coach', x: n < 3 ? n - 1 : n }));
    const st = buildStructure(coach, { label: 'Front of coach', x: 2, y: 0 });
    expect(st.grid).toBe(true);
    for (const size of ZOOM_STEPS) {
      const f = mapFrame(st, size);
      expect(f.stage!.top).toBeGreaterThanOrEqual(0);
      expect(f.stage!.top + f.stage!.height).toBeLessThanOrEqual(st.sections[0].y * size + f.oy);
    }
  });

  it('fits seats, labels and the stage at every zoom step', () => {
    const seats = [1, 2, 3].map((n, i) => mkSeat(n, 'A', n, 4 + i * 0.5, { x: 10 + i * 0.87, section: 'Turned' }));
    const st = buildStructure(seats, { label: 'Front of coach', x: 0, y: 0 });
    expect(st.grid).toBe(false);
    for (const size of ZOOM_STEPS) {
      const f = mapFrame(st, size);
      expect(f.stage!.left).toBeGreaterThanOrEqual(0);
      expect(f.stage!.top).toBeGreaterThanOrEqual(0);
      expect(f.stage!.left + f.stage!.width).toBeLessThanOrEqual(f.width);
      for (const s of seats) {
        expect(s.x * size + f.ox).toBeGreaterThanOrEqual(0);
        expect((s.x + 1) * size + f.ox).toBeLessThanOrEqual(f.width);
        expect((s.y + 1) * size + f.oy).toBeLessThanOrEqual(f.height);
      }
    }
  });
});
