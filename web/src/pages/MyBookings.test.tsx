import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking } from '../api/client';
import { MyBookings, PAGE_SIZE } from './MyBookings';

const booking = (n: number): Booking =>
  ({
    id: `b${n}`,
    show_id: 1,
    seats: [`A${n}`],
    total_cents: 1200,
    status: 'CONFIRMED',
    created_at: '2026-01-01T12:00:00Z',
  }) as Booking;

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });

describe('MyBookings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('pages through all bookings with "Show more"', async () => {
    const pages: Record<string, { items: Booking[]; next_cursor?: string }> = {
      '': { items: [booking(1), booking(2)], next_cursor: 'c2' },
      c2: { items: [booking(3), booking(4)], next_cursor: 'c3' },
      c3: { items: [booking(5)] },
    };
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string, init: { params: { query?: { cursor?: string } } }) => {
      if (path === '/bookings') return ok(pages[init.params.query?.cursor ?? '']);
      return ok({ id: 1, name: 'Dune' });
    }) as never);
    const user = userEvent.setup();
    render(<MyBookings />);

    await screen.findByRole('cell', { name: 'A2' });
    expect(screen.queryByRole('cell', { name: 'A3' })).toBeNull();
    expect(get).toHaveBeenCalledWith('/bookings', { params: { query: { limit: PAGE_SIZE, cursor: undefined } } });

    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await screen.findByRole('cell', { name: 'A4' });
    // Keyboard focus moves to the first booking of the new page.
    expect(document.activeElement).toBe(screen.getAllByRole('link')[2]);
    expect(get).toHaveBeenCalledWith('/bookings', { params: { query: { limit: PAGE_SIZE, cursor: 'c2' } } });
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await screen.findByRole('cell', { name: 'A5' });

    // All five listed once, the show name fetched once, and no more pages to ask for.
    expect(screen.getAllByRole('row')).toHaveLength(1 + 5);
    expect(screen.getAllByRole('link', { name: 'Dune' })[0]).toHaveAttribute('href', '/shows/1');
    expect((get.mock.calls as unknown[][]).filter((c) => c[0] === '/shows/{id}')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
  });

  it('says "Show cancelled" for a booking its show was cancelled with, and offers no Cancel', async () => {
    const items = [
      { ...booking(1), status: 'FAILED', failure_reason: 'SHOW_CANCELLED' },
      { ...booking(2), status: 'FAILED', failure_reason: 'CANCELLED' },
      { ...booking(3), status: 'FAILED', failure_reason: 'EXPIRED' },
      booking(4),
    ] as Booking[];
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/bookings' ? ok({ items }) : ok({ id: 1, name: 'Dune' })) as never);
    render(<MyBookings />);
    expect(await screen.findByRole('cell', { name: 'Show cancelled' })).toHaveClass('bstatus-show-cancelled');
    expect(screen.getByRole('cell', { name: 'cancelled' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'expired' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'confirmed' })).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Cancel' })).toHaveLength(1);
  });
});
