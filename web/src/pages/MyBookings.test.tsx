import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking } from '../api/client';
import { MyBookings, PAGE_SIZE } from './MyBookings';

const dune = { id: 1, name: 'Dune', kind: 'movie', starts_at: '2026-12-07T19:30:00Z', time_zone: 'Europe/Lisbon' };

const booking = (n: number): Booking =>
  ({
    id: `b${n}`,
    show_id: 1,
    seat_ids: [n],
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
      return ok(dune);
    }) as never);
    const user = userEvent.setup();
    render(<MyBookings />);

    await screen.findByRole('cell', { name: 'A2' });
    expect(screen.queryByRole('cell', { name: 'A3' })).toBeNull();
    expect(get).toHaveBeenCalledWith('/bookings', { params: { query: { limit: PAGE_SIZE, cursor: undefined } } });

    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await screen.findByRole('cell', { name: 'A4' });
    // Keyboard focus moves to the first booking of the new page.
    expect(document.activeElement).toBe(screen.getAllByRole('link', { name: 'Dune' })[2]);
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
      path === '/bookings' ? ok({ items }) : ok(dune)) as never);
    render(<MyBookings />);
    expect(await screen.findByRole('cell', { name: 'Show cancelled' })).toHaveClass('bstatus-show-cancelled');
    expect(screen.getByRole('cell', { name: 'cancelled' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'expired' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'confirmed' })).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Cancel' })).toHaveLength(1);
  });

  it("gives each booking's time at the venue with its zone: an appointment's own times, a show's start, standing places counted", async () => {
    const clinic = { id: 6, name: 'Morning clinic', kind: 'appointment', starts_at: '2026-12-09T09:00:00Z', time_zone: 'Europe/Lisbon' };
    const arena = { id: 7, name: 'Championship Final', kind: 'event', starts_at: '2026-12-20T19:00:00Z', time_zone: 'Europe/Madrid' };
    const items = [
      { ...booking(1), show_id: 6, seat_ids: [3], seats: ['Dr. Rivera 09:30'], created_at: '2026-12-06T10:00:00Z' },
      { ...booking(2), show_id: 7, seat_ids: [1406, 1413, 1414], seats: ['Floor 1406', 'Floor 1413', 'Floor 1414'], created_at: '2026-12-06T10:00:00Z' },
    ] as Booking[];
    const slot = { id: 3, label: 'Dr. Rivera 09:30', section: 'Dr. Rivera', starts_at: '2026-12-09T09:30:00Z', ends_at: '2026-12-09T09:45:00Z' };
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string, init: { params: { path?: { id: number } } }) => {
      if (path === '/bookings') return ok({ items });
      if (path === '/shows/{id}/seats') return ok({ show_id: 6, version: 1, seats: [slot] });
      return ok(init.params.path?.id === 6 ? clinic : arena);
    }) as never);
    render(<MyBookings />);
    const clinicRow = (await screen.findByRole('link', { name: 'Morning clinic' })).closest('tr')!;
    await waitFor(() => expect(clinicRow).toHaveTextContent('Wed, Dec 9, 9:30 – 9:45 AM (Lisbon, GMT)'));
    expect(clinicRow).toHaveTextContent('Dr. Rivera 09:30');
    const arenaRow = screen.getByRole('link', { name: 'Championship Final' }).closest('tr')!;
    expect(arenaRow).toHaveTextContent('Sun, Dec 20, 08:00 PM (Madrid, GMT+1)');
    expect(screen.getByRole('cell', { name: 'Floor × 3' })).toBeInTheDocument();
    expect(arenaRow).toHaveTextContent('Sun, Dec 6, 11:00 AM (Madrid, GMT+1)'); // made: also at the venue's time
    // Only the appointment show's seat map is fetched.
    expect((get.mock.calls as unknown[][]).filter((c) => c[0] === '/shows/{id}/seats')).toHaveLength(1);
  });
});

