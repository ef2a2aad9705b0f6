import { useId } from 'react';
import type { Booking } from '../api/client';
import { qrDataUrl } from '../qr';
import './tickets.css';

export type Ticket = Booking['tickets'][number];

/** What a booking needs for its tickets: any of the service's booking shapes has these. */
export type TicketedBooking = Pick<Booking, 'reference' | 'status' | 'tickets'> & { failure_reason?: Booking['failure_reason'] };

/** A standing place's label is an area's name and a number ("Floor 1406"); a seat's has no space ("A4"). */
const STANDING = /^.+ \d+$/;

/** What one ticket admits to, for people: "Seat A4", "Place Floor 1406", "Appointment Dr. Rivera 09:30". */
export function ticketPlace(label: string, kind?: string): string {
  if (kind === 'appointment') return `Appointment ${label}`;
  return STANDING.test(label) ? `Place ${label}` : `Seat ${label}`;
}

/** Why a booking has no tickets (it is not confirmed), or null when it has them. */
export function noTicketsReason(b: TicketedBooking): string | null {
  if (b.status === 'CONFIRMED') return b.tickets?.length ? null : 'This booking has no tickets.';
  if (b.status === 'PENDING') return 'The tickets appear here once the booking is confirmed.';
  switch (b.failure_reason) {
    case 'EXPIRED':
      return 'This hold expired, so there are no tickets.';
    case 'SHOW_CANCELLED':
      return 'The show was cancelled: these tickets are void and admit no one.';
    default:
      return 'This booking was cancelled: its tickets are void and admit no one.';
  }
}

/** One ticket: its QR code (what the door scans) and its code in text (what staff can type). */
export function TicketCard({ ticket, kind, showName, when }: { ticket: Ticket; kind?: string; showName?: string; when?: string }) {
  const place = ticketPlace(ticket.seat, kind);
  const src = qrDataUrl(ticket.code);
  return (
    <li className="ticket" data-ticket-code={ticket.code}>
      {src && <img className="ticket-qr" src={src} width={176} height={176} alt={`QR code of the ticket for ${place}`} />}
      <div className="ticket-text">
        <p className="ticket-place">{place}</p>
        {showName && <p className="ticket-show">{showName}</p>}
        {when && <p className="ticket-when">{when}</p>}
        <p className="ticket-code-line">
          Code <code className="ticket-code">{ticket.code}</code>
        </p>
      </div>
    </li>
  );
}

/**
 * A booking's reference and tickets, one per seat, each with its QR code and its code in text.
 * Before confirmation, and after a cancellation, it says why there are none.
 */
export function Tickets({
  booking,
  kind,
  showName,
  when,
  headingLevel = 2,
  showReference = true,
}: {
  booking: TicketedBooking;
  /** The show's kind: an appointment's ticket says "Appointment". */
  kind?: string;
  showName?: string;
  /** When, at the venue (with the zone), printed on every ticket. */
  when?: string;
  headingLevel?: 2 | 3;
  showReference?: boolean;
}) {
  const id = useId();
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const reason = noTicketsReason(booking);
  const tickets = booking.tickets ?? [];
  const count = tickets.length;
  return (
    <section className="tickets" aria-labelledby={`${id}-h`}>
      <H id={`${id}-h`}>{count > 1 && !reason ? `Tickets (${count})` : 'Tickets'}</H>
      {showReference && booking.reference && (
        <p className="tickets-reference">
          Booking reference <strong className="reference">{booking.reference}</strong>
        </p>
      )}
      {reason ? (
        <p className="tickets-none">{reason}</p>
      ) : (
        <>
          <p className="muted tickets-hint">
            Show {count === 1 ? 'this QR code' : 'one QR code per person'} at the door. It can be scanned from this screen or a print-out; staff can
            also type the code.
          </p>
          <ul className="ticket-list">
            {tickets.map((t) => (
              <TicketCard key={t.seat_id} ticket={t} kind={kind} showName={showName} when={when} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
