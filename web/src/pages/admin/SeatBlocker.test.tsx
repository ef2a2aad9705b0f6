import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Seat } from '../../api/client';
import { SeatBlocker, blockRefusedMessage } from './SeatBlocker';

const mk = (id: number, n: number, status: Seat['status'] = 'AVAILABLE'): Seat => ({
  id,
  label: `A${n}`,
  section: 'Stalls',
  row: 'A',
  number: n,
  category: 'standard',
  price_cents: 1200,
  x: n - 1,
  y: 0,
  status,
});
const SEATS = [mk(11, 1), mk(12, 2), mk(13, 3, 'BLOCKED'), mk(14, 4, 'BOOKED')];

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
const seat = (label: string) => screen.getByRole('button', { name: new RegExp(`^Seat ${label},`) });

describe('blockRefusedMessage', () => {
  it('names the seats that are held or sold', () => {
    expect(blockRefusedMessage(['A5'])).toBe('Seat A5 is held or sold, so it cannot be blocked. Nothing was blocked.');
    expect(blockRefusedMessage(['A5', 'B2'])).toBe('Seats A5 and B2 are held or sold, so they cannot be blocked. Nothing was blocked.');
  });
});

describe('SeatBlocker', () => {
  afterEach(() => vi.restoreAllMocks());

  it('blocks selected available seats with a reason, and unblocks selected blocked seats', async () => {
    vi.spyOn(api, 'GET').mockResolvedValue(ok({ show_id: 1, version: 4, seats: SEATS }) as never);
    const post = vi.spyOn(api, 'POST').mockImplementation((async (path: string) =>
      ok({ show_id: 1, seat_ids: path.endsWith('/blocks') ? [11, 12] : [13] })) as never);
    const onChanged = vi.fn();
    const user = userEvent.setup();
    render(<SeatBlocker showId={1} onChanged={onChanged} />);

    // Blocked seats can be selected here (to unblock them); booked ones cannot.
    await user.click(await screen.findByRole('button', { name: /^Seat A1,/ }));
    await user.click(seat('A2'));
    await user.click(seat('A3'));
    await user.click(seat('A4'));
    expect(seat('A3')).toHaveAttribute('aria-pressed', 'true');
    expect(seat('A4')).toHaveAttribute('aria-pressed', 'false');
    expect(seat('A4')).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByText('Selected: A1, A2, A3 (2 on sale, 1 blocked)')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Reason'), 'house seats');
    await user.click(screen.getByRole('button', { name: 'Block 2 seats' }));
    expect(await screen.findByText('Blocked A1 and A2.')).toHaveAttribute('role', 'status');
    expect(post).toHaveBeenCalledWith('/admin/shows/{id}/blocks', {
      params: { path: { id: 1 } },
      body: { seat_ids: [11, 12], reason: 'house seats' },
    });
    expect(seat('A1')).toHaveAccessibleName('Seat A1, €12.00, not for sale');
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'false');

    await user.click(screen.getByRole('button', { name: 'Unblock 1 seat' }));
    expect(await screen.findByText('Put A3 back on sale.')).toBeInTheDocument();
    expect(post).toHaveBeenLastCalledWith('/admin/shows/{id}/unblock', { params: { path: { id: 1 } }, body: { seat_ids: [13] } });
    expect(seat('A3')).toHaveAccessibleName('Seat A3, €12.00, available');
    expect(onChanged).toHaveBeenCalledTimes(2);
  });

  it('names the seats a refused block (seats_unavailable) was about, and reloads the map', async () => {
    const get = vi
      .spyOn(api, 'GET')
      .mockResolvedValueOnce(ok({ show_id: 1, version: 4, seats: SEATS }) as never)
      .mockResolvedValueOnce(ok({ show_id: 1, version: 5, seats: SEATS.map((s) => (s.id === 12 ? { ...s, status: 'HELD' } : s)) }) as never);
    vi.spyOn(api, 'POST').mockResolvedValue({
      error: {
        type: 'about:blank',
        title: 'Conflict',
        status: 409,
        code: 'seats_unavailable',
        detail: 'Some of the seats are held or sold: they cannot be blocked.',
        unavailable_seat_ids: [12],
      },
      response: new Response(null, { status: 409 }),
    } as never);
    const user = userEvent.setup();
    render(<SeatBlocker showId={1} onChanged={() => undefined} />);
    await user.click(await screen.findByRole('button', { name: /^Seat A1,/ }));
    await user.click(seat('A2'));
    await user.type(screen.getByLabelText('Reason'), 'broken');
    await user.click(screen.getByRole('button', { name: 'Block 2 seats' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Seat A2 is held or sold, so it cannot be blocked. Nothing was blocked.');
    // The map shows A2 held now, and it left the selection; A1 stays selected.
    await screen.findByRole('button', { name: 'Seat A2, €12.00, held' });
    expect(get).toHaveBeenCalledTimes(2);
    expect(seat('A2')).toHaveAttribute('aria-pressed', 'false');
    expect(seat('A1')).toHaveAttribute('aria-pressed', 'true');
  });
});
