import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking } from '../api/client';
import { BookingPage } from './BookingPage';

const ID = '0b9a3c1e-1d7e-4f7a-9a55-3f2c1e0d9b8a';
const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });

describe('BookingPage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says "Booking not found" with a way back for an unknown booking (404) or a link that cannot be one', async () => {
    const get = vi.spyOn(api, 'GET').mockResolvedValue({
      error: { type: 'about:blank', title: 'Not Found', status: 404, code: 'booking_not_found', detail: 'No such booking.' },
      response: new Response(null, { status: 404 }),
    } as never);
    const { unmount } = render(<BookingPage bookingId={ID} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Booking not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to My bookings' })).toHaveAttribute('href', '/bookings');
    unmount();
    get.mockClear();
    render(<BookingPage bookingId="not-a-booking" />);
    expect(screen.getByRole('heading', { level: 1, name: 'Booking not found' })).toBeInTheDocument();
    expect(get).not.toHaveBeenCalled();
  });

  it('shows the booking with its reference, places, total in its currency and status', async () => {
    const booking = {
      id: ID,
      show_id: 3,
      status: 'CONFIRMED',
      seat_ids: [4, 5],
      seats: ['A4', 'A5'],
      total_cents: 2400,
      currency: 'GBP',
      reference: 'TSR-7QK2',
      tickets: [],
      expires_at: '2026-12-06T10:05:00Z',
      created_at: '2026-12-06T10:00:00Z',
      updated_at: '2026-12-06T10:01:00Z',
    } as unknown as Booking;
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/bookings/{id}' ? ok(booking) : ok({ id: 3, name: 'Dune: Part Three', starts_at: '2026-12-07T19:30:00Z', time_zone: 'Europe/Lisbon', prices: {} })) as never);
    render(<BookingPage bookingId={ID} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Booking TSR-7QK2' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'Dune: Part Three' })).toHaveAttribute('href', '/shows/3');
    expect(screen.getByText('A4, A5')).toBeInTheDocument();
    expect(screen.getByText('£24.00')).toBeInTheDocument();
    expect(screen.getByText('confirmed')).toBeInTheDocument();
  });
});
