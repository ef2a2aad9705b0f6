import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking } from '../api/client';
import { CancelBooking, cancelBookingMessage } from './CancelBooking';

const BOOKING = {
  id: '0b9a3c1e-1d7e-4f7a-9a55-3f2c1e0d9b8a',
  show_id: 3,
  status: 'CONFIRMED',
  seat_ids: [4, 5],
  seats: ['A4', 'A5'],
  reference: 'X22X-V854',
  tickets: [
    { seat_id: 4, seat: 'A4', code: '3-4-K7Q2M9XD' },
    { seat_id: 5, seat: 'A5', code: '3-5-ABCD1234' },
  ],
  total_cents: 2400,
} as unknown as Booking;

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });

describe('cancelBookingMessage', () => {
  it('says the places are released and the tickets become void', () => {
    expect(cancelBookingMessage(BOOKING, 'Dune')).toBe(
      'Cancelling releases A4, A5 for “Dune” to other buyers, and the 2 tickets become void: they no longer admit anyone at the door. This cannot be undone.',
    );
    expect(cancelBookingMessage({ ...BOOKING, seats: ['A4'], tickets: BOOKING.tickets.slice(0, 1) })).toBe(
      'Cancelling releases A4 to other buyers, and the ticket becomes void: it no longer admits anyone at the door. This cannot be undone.',
    );
    expect(cancelBookingMessage({ ...BOOKING, seats: ['Floor 7', 'Floor 9'], status: 'PENDING', tickets: [] }, 'Final')).toBe(
      'Cancelling releases the held Floor × 2 for “Final” to other buyers. This cannot be undone.',
    );
  });
});

describe('CancelBooking', () => {
  afterEach(() => vi.restoreAllMocks());

  it('asks first in a dialog; Escape keeps the booking and posts nothing', async () => {
    const post = vi.spyOn(api, 'POST');
    const user = userEvent.setup();
    render(<CancelBooking booking={BOOKING} showName="Dune" onCancelled={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel booking X22X-V854?' });
    expect(dialog).toHaveAccessibleDescription(/releases A4, A5 for “Dune”.*2 tickets become void/);
    expect(screen.getByRole('button', { name: 'Keep booking' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    expect(post).not.toHaveBeenCalled();
  });

  it('cancels on confirmation and hands back the service’s answer; a refusal shows in the dialog', async () => {
    const cancelled = { ...BOOKING, status: 'FAILED', failure_reason: 'CANCELLED', tickets: [] };
    const post = vi
      .spyOn(api, 'POST')
      .mockResolvedValueOnce({
        error: { type: 'about:blank', title: 'Conflict', status: 409, code: 'show_started', detail: 'started' },
        response: new Response(null, { status: 409 }),
      } as never)
      .mockResolvedValueOnce(ok(cancelled) as never);
    const onCancelled = vi.fn();
    const user = userEvent.setup();
    render(<CancelBooking booking={BOOKING} onCancelled={onCancelled} />);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(screen.getByRole('button', { name: 'Cancel booking' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This show has already started.');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(onCancelled).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Cancel booking' }));
    await waitFor(() => expect(onCancelled).toHaveBeenCalledWith(cancelled));
    expect(post).toHaveBeenLastCalledWith('/bookings/{id}/cancel', { params: { path: { id: BOOKING.id } } });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('offers nothing for a booking that failed already, and "Cancel hold" for a hold', async () => {
    const { container, unmount } = render(<CancelBooking booking={{ ...BOOKING, status: 'FAILED' }} onCancelled={vi.fn()} />);
    expect(container).toBeEmptyDOMElement();
    unmount();
    const user = userEvent.setup();
    render(<CancelBooking booking={{ ...BOOKING, status: 'PENDING', tickets: [] }} onCancelled={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('dialog', { name: 'Cancel the hold X22X-V854?' })).toHaveAccessibleDescription(/releases the held A4, A5/);
    expect(screen.getByRole('button', { name: 'Cancel hold' })).toBeInTheDocument();
  });
});
