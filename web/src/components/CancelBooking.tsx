import { useState } from 'react';
import { createPortal } from 'react-dom';
import { api, unwrap, type Booking } from '../api/client';
import { problemMessage } from '../errors';
import { noteWrite } from '../showVersions';
import { countOf, describePlaces } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import './tickets.css';

type Cancellable = Pick<Booking, 'id' | 'status' | 'seats' | 'tickets' | 'reference'>;

/** What cancelling does, said before it is done: the places go back on sale, the tickets stop admitting. */
export function cancelBookingMessage(b: Cancellable, showName?: string): string {
  const places = describePlaces(b.seats);
  const of = showName ? ` for “${showName}”` : '';
  if (b.status === 'PENDING') return `Cancelling releases the held ${places}${of} to other buyers. This cannot be undone.`;
  const tickets = b.tickets?.length || b.seats.length;
  return (
    `Cancelling releases ${places}${of} to other buyers, and ${tickets === 1 ? 'the ticket becomes' : `the ${countOf(tickets, 'ticket')} become`} ` +
    `void: ${tickets === 1 ? 'it no longer admits' : 'they no longer admit'} anyone at the door. This cannot be undone.`
  );
}

/**
 * "Cancel" for one of the buyer's bookings: asks first in a modal dialog (ConfirmDialog: focus on
 * "Keep booking", Escape closes) saying what will happen, then cancels and hands back the
 * service's answer. Nothing for a booking that already failed.
 */
export function CancelBooking({
  booking,
  showName,
  label = 'Cancel',
  onCancelled,
}: {
  booking: Cancellable;
  showName?: string;
  label?: string;
  onCancelled(updated: Booking): void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (booking.status === 'FAILED') return null;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const updated = unwrap(await api.POST('/bookings/{id}/cancel', { params: { path: { id: booking.id } } }));
      noteWrite(updated); // later reads of its show (its page, here or elsewhere) include the cancellation
      setOpen(false);
      onCancelled(updated);
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const held = booking.status === 'PENDING';
  return (
    <>
      <button type="button" onClick={() => (setError(null), setOpen(true))}>
        {label}
      </button>
      {open &&
        createPortal(
          <ConfirmDialog
            title={held ? `Cancel the hold ${booking.reference}?` : `Cancel booking ${booking.reference}?`}
            confirmLabel={held ? 'Cancel hold' : 'Cancel booking'}
            cancelLabel="Keep booking"
            onConfirm={confirm}
            onCancel={() => setOpen(false)}
            busy={busy}
            error={error}
          >
            <p>{cancelBookingMessage(booking, showName)}</p>
          </ConfirmDialog>,
          // In the page's body, not inside the table cell or paragraph the button sits in.
          document.body,
        )}
    </>
  );
}
