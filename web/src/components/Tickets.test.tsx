import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { qrDataUrl, qrSvg } from '../qr';
import { noTicketsReason, ticketPlace, Tickets, type TicketedBooking } from './Tickets';

const CONFIRMED: TicketedBooking = {
  reference: 'X22X-V854',
  status: 'CONFIRMED',
  tickets: [
    { seat_id: 4, seat: 'A4', code: '3-4-K7Q2M9XD' },
    { seat_id: 5, seat: 'A5', code: '3-5-ABCD1234' },
  ],
};

/** The SVG document inside an <img>'s data: URL. */
const svgOf = (img: HTMLElement) => decodeURIComponent(img.getAttribute('src')!.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));

describe('qr', () => {
  it('draws a code as an SVG QR code, synchronously, different codes differently', () => {
    const a = qrSvg('3-4-K7Q2M9XD')!;
    expect(a).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 29 29"/);
    expect(a).toContain('<path fill="#ffffff"');
    expect(qrSvg('3-5-ABCD1234')).not.toBe(a);
    expect(qrSvg('3-4-K7Q2M9XD')).toBe(a);
    expect(qrDataUrl('3-4-K7Q2M9XD')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
  });

  it('gives null for text no QR code can hold', () => {
    expect(qrSvg('x'.repeat(8000))).toBeNull();
  });
});

describe('Tickets', () => {
  it('shows the reference and one ticket per seat: its place, its QR code (an image of the code) and the code in text', () => {
    render(<Tickets booking={CONFIRMED} showName="Dune: Part Three" when="Mon, Dec 7, 07:30 PM (Lisbon, GMT)" />);
    const region = screen.getByRole('region', { name: 'Tickets (2)' });
    expect(within(region).getByText('X22X-V854')).toHaveClass('reference');
    const items = within(region).getAllByRole('listitem');
    expect(items).toHaveLength(2);

    const img = within(items[0]).getByRole('img', { name: 'QR code of the ticket for Seat A4' });
    expect(img.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(svgOf(img)).toBe(qrSvg('3-4-K7Q2M9XD')!.trim());
    expect(within(items[0]).getByText('Seat A4')).toBeInTheDocument();
    expect(within(items[0]).getByText('3-4-K7Q2M9XD').tagName).toBe('CODE');
    expect(within(items[0]).getByText('Dune: Part Three')).toBeInTheDocument();
    expect(within(items[0]).getByText('Mon, Dec 7, 07:30 PM (Lisbon, GMT)')).toBeInTheDocument();

    const second = within(items[1]).getByRole('img', { name: 'QR code of the ticket for Seat A5' });
    expect(svgOf(second)).toBe(qrSvg('3-5-ABCD1234')!.trim());
    expect(within(items[1]).getByText('3-5-ABCD1234')).toBeInTheDocument();
  });

  it('names standing places and appointments as such', () => {
    expect(ticketPlace('A12')).toBe('Seat A12');
    expect(ticketPlace('Floor 1406')).toBe('Place Floor 1406');
    expect(ticketPlace('Dr. Rivera 09:30', 'appointment')).toBe('Appointment Dr. Rivera 09:30');
    render(<Tickets booking={{ ...CONFIRMED, tickets: [{ seat_id: 9, seat: 'Floor 1406', code: '5-9-ZZZZ0000' }] }} headingLevel={3} />);
    expect(screen.getByRole('heading', { level: 3, name: 'Tickets' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'QR code of the ticket for Place Floor 1406' })).toBeInTheDocument();
  });

  it('has no tickets before confirmation, and says tickets of a cancelled booking are void', () => {
    expect(noTicketsReason({ ...CONFIRMED, status: 'PENDING', tickets: [] })).toBe('The tickets appear here once the booking is confirmed.');
    expect(noTicketsReason({ ...CONFIRMED, status: 'FAILED', failure_reason: 'EXPIRED', tickets: [] })).toMatch(/expired/);
    expect(noTicketsReason({ ...CONFIRMED, status: 'FAILED', failure_reason: 'SHOW_CANCELLED', tickets: [] })).toMatch(/show was cancelled.*void/);
    expect(noTicketsReason(CONFIRMED)).toBeNull();

    render(<Tickets booking={{ ...CONFIRMED, status: 'FAILED', failure_reason: 'CANCELLED', tickets: [] }} />);
    expect(screen.getByText('This booking was cancelled: its tickets are void and admit no one.')).toBeInTheDocument();
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText('X22X-V854')).toBeInTheDocument();
  });
});
