import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { Seat, SeatState } from '../api/client';
import { categoryColours } from './categories';
import { SeatMap } from './SeatMap';

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
    expect(screen.getByRole('button', { name: 'Seat A1, standard, 12.00, available' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat A3, standard, 12.00, booked' })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByRole('button', { name: 'Seat B2, standard, 12.00, held' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat C12, premium, 18.50, available' })).toBeInTheDocument();
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
    expect(seat('A4')).toHaveAccessibleName('Seat A4, standard, 12.00, available');
    const next = new Map(SEATS.map((s) => [s.id, s.status] as [number, SeatState]));
    next.set(4, 'BOOKED');
    rerender(<Harness statuses={next} />);
    expect(seat('A4')).toHaveAccessibleName('Seat A4, standard, 12.00, booked');
    fireEvent.click(seat('A4'));
    expect(seat('A4')).toHaveAttribute('aria-pressed', 'false');
  });

  it('zooms in and out in steps, keeping selection and seat names', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const width = () => parseFloat(seat('A1').style.width);
    await user.click(seat('A2'));
    const before = width();
    await user.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(width()).toBeGreaterThan(before);
    await user.click(screen.getByRole('button', { name: 'Zoom out' }));
    await user.click(screen.getByRole('button', { name: 'Zoom out' }));
    expect(width()).toBeLessThan(before);
    expect(seat('A2')).toHaveAttribute('aria-pressed', 'true');
    expect(seat('A2')).toHaveAccessibleName('Seat A2, standard, 12.00, available');
    // At the largest step "Zoom in" is disabled.
    for (let i = 0; i < 10; i++) {
      const zin = screen.getByRole('button', { name: 'Zoom in' });
      if ((zin as HTMLButtonElement).disabled) break;
      await user.click(zin);
    }
    expect(screen.getByRole('button', { name: 'Zoom in' })).toBeDisabled();
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
