// Tickets and the asked-for cancellation on the booking page and in My bookings.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking } from '../api/client';
import { qrDataUrl } from '../qr';
import { BookingPage } from './BookingPage';
import { MyBookings } from './MyBookings';

const ID = '0b9a3c1e-1d7e-4f7a-9a55-3f2c1e0d9b8a';
const SHOW = { id: 3, name: 'Dune: Part Three', kind: 'movie', starts_at: '2026-12-07T19:30:00Z', time_zone: 'Europe/Lisbon', currency: 'EUR', prices: {} };
const BOOKING = {
  id: ID,
  show_id: 3,
  status: 'CONFIRMED',
  seat_ids: [4, 5],
  seats: ['A4', 'A5'],
  total_cents: 2400,
  reference: 'X22X-V854',
  tickets: [
    { seat_id: 4, seat: 'A4', code: '3-4-K7Q2M9XD' },
    { seat_id: 5, seat: 'A5', code: '3-5-ABCD1234' },
  ],
  show: { name: SHOW.name, kind: 'movie', starts_at: SHOW.starts_at, time_zone: SHOW.time_zone, currency: 'EUR' },
  expires_at: '2026-12-06T10:05:00Z',
  created_at: '2026-12-06T10:00:00Z',
  updated_at: '2026-12-06T10:01:00Z',
} as unknown as Booking;
const CANCELLED = { ...BOOKING, status: 'FAILED', failure_reason: 'CANCELLED', tickets: [] } as unknown as Booking;

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });

describe('tickets on the booking page and in My bookings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the booking page shows a QR code and the code per seat; cancelling asks first, then the tickets are void', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/bookings/{id}' ? ok(BOOKING) : ok(SHOW))) as never);
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok(CANCELLED) as never);
    const user = userEvent.setup();
    render(<BookingPage bookingId={ID} />);
    const tickets = await screen.findByRole('region', { name: 'Tickets (2)' });
    const qr = within(tickets).getByRole('img', { name: 'QR code of the ticket for Seat A4' });
    expect(qr).toHaveAttribute('src', qrDataUrl('3-4-K7Q2M9XD'));
    expect(within(tickets).getByText('3-5-ABCD1234')).toBeInTheDocument();
    expect(await within(tickets).findAllByText(/Dec 7, 07:30 PM \(Lisbon, GMT\)|Dec 7, 19:30 \(Lisbon, GMT\)/)).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Cancel booking…' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel booking X22X-V854?' });
    expect(dialog).toHaveAccessibleDescription(/releases A4, A5 for “Dune: Part Three” to other buyers, and the 2 tickets become void/);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel booking' }));
    await screen.findByText('This booking was cancelled: its tickets are void and admit no one.');
    expect(post).toHaveBeenCalledWith('/bookings/{id}/cancel', { params: { path: { id: ID } } });
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText('cancelled')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel booking…' })).toBeNull();
  });

  it('My bookings opens a booking’s tickets on request and cancels only after the dialog', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/bookings' ? ok({ items: [BOOKING] }) : ok(SHOW))) as never);
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok(CANCELLED) as never);
    const user = userEvent.setup();
    render(<MyBookings />);
    await screen.findByRole('link', { name: /X22X-V854/ });
    const toggle = screen.getByText('Show 2 tickets');
    expect(screen.getByRole('img', { name: 'QR code of the ticket for Seat A4', hidden: true })).not.toBeVisible();
    await user.click(toggle);
    expect(screen.getByRole('img', { name: 'QR code of the ticket for Seat A4' })).toBeVisible();
    expect(screen.getByText('3-4-K7Q2M9XD')).toBeVisible();

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('dialog', { name: 'Cancel booking X22X-V854?' })).toHaveAccessibleDescription(/tickets become void/);
    expect(post).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Cancel booking' }));
    await waitFor(() => expect(screen.queryByText('Show 2 tickets')).toBeNull());
    expect(screen.getByText('cancelled')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });
});

describe('reading back a cancellation made on the booking page', () => {
  afterEach(() => vi.restoreAllMocks());

  it("reads the show at least at the cancel's show_version afterwards, on the booking page and in My bookings", async () => {
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/bookings/{id}' ? ok(BOOKING) : path === '/bookings' ? ok({ items: [BOOKING] }) : ok(SHOW)) as never);
    vi.spyOn(api, 'POST').mockResolvedValue(ok({ ...CANCELLED, show_version: 9 }) as never);
    const user = userEvent.setup();
    const page = render(<BookingPage bookingId={ID} />);
    await screen.findByRole('region', { name: 'Tickets (2)' });
    const showReads = () => (get.mock.calls as unknown[][]).filter((c) => c[0] === '/shows/{id}').map((c) => (c[1] as { params: unknown }).params);
    expect(showReads()).toEqual([{ path: { id: 3 } }]); // nothing written yet

    await user.click(screen.getByRole('button', { name: 'Cancel booking…' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel booking' }));
    await screen.findByText('This booking was cancelled: its tickets are void and admit no one.');
    page.unmount();

    const again = render(<BookingPage bookingId={ID} />);
    await screen.findByRole('link', { name: 'Dune: Part Three' });
    again.unmount();
    render(<MyBookings />);
    await screen.findAllByText('Dune: Part Three');
    await waitFor(() => expect(showReads()).toHaveLength(3));
    expect(showReads().slice(1)).toEqual([
      { path: { id: 3 }, query: { min_version: 9 } },
      { path: { id: 3 }, query: { min_version: 9 } },
    ]);
  });
});
