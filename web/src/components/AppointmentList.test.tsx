import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Seat, SeatState } from '../api/client';
import { AppointmentList, groupSlots } from './AppointmentList';

const slot = (id: number, doctor: string, start: string, status: SeatState = 'AVAILABLE'): Seat => {
  const startsAt = `2026-12-09T${start}:00Z`;
  const end = new Date(Date.parse(startsAt) + 15 * 60_000).toISOString();
  return {
    id,
    label: `${doctor} ${start}`,
    section: doctor,
    row: doctor,
    number: id,
    category: doctor === 'Dr. Rivera' ? 'consultation' : 'follow-up',
    price_cents: doctor === 'Dr. Rivera' ? 6000 : 3500,
    x: id,
    y: 0,
    starts_at: startsAt,
    ends_at: end,
    status,
  };
};
const SLOTS = [
  slot(2, 'Dr. Rivera', '09:15', 'BOOKED'),
  slot(1, 'Dr. Rivera', '09:00'),
  slot(3, 'Dr. Rivera', '09:30'),
  slot(13, 'Dr. Okafor', '09:00', 'HELD'),
  slot(14, 'Dr. Okafor', '09:15', 'BLOCKED'),
];
const colours = new Map([
  ['consultation', '#8ecae6'],
  ['follow-up', '#ffb703'],
]);

describe('groupSlots', () => {
  it('groups by practitioner in map order, each by start time', () => {
    expect(groupSlots(SLOTS).map(([name, list]) => [name, list.map((s) => s.id)])).toEqual([
      ['Dr. Rivera', [1, 2, 3]],
      ['Dr. Okafor', [13, 14]],
    ]);
  });
});

describe('AppointmentList', () => {
  it("lists each practitioner's times in the venue's zone, free ones selectable, taken ones marked", async () => {
    const onToggle = vi.fn();
    const user = userEvent.setup();
    render(
      <AppointmentList slots={SLOTS} statuses={new Map([[3, 'HELD']])} selected={new Set([1])} colours={colours} timeZone="Europe/Madrid" onToggle={onToggle} />,
    );
    const rivera = screen.getByRole('region', { name: 'Dr. Rivera' });
    expect(within(rivera).getByText('consultation · 60.00')).toBeInTheDocument();
    expect(within(rivera).getByText('Wed, Dec 9, times (Madrid, GMT+1) · 1 of 3 free')).toBeInTheDocument();
    // 09:00 UTC is 10:00 in Madrid; the name starts with the time, as the button shows it.
    const buttons = within(rivera).getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      '10:00 – 10:15 AM, Dr. Rivera, 60.00, free',
      '10:15 – 10:30 AM, Dr. Rivera, 60.00, taken',
      '10:30 – 10:45 AM, Dr. Rivera, 60.00, taken', // live status: held since the map was loaded
    ]);
    expect(buttons[0]).toHaveAttribute('aria-pressed', 'true');
    expect(buttons[0]).toHaveTextContent('✓ 10:00 – 10:15 AM');
    expect(buttons[1]).toHaveAttribute('aria-disabled', 'true');
    expect(buttons[1]).toHaveTextContent('10:15 – 10:30 AM taken');
    await user.click(buttons[1]);
    expect(onToggle).not.toHaveBeenCalled();
    await user.click(buttons[0]);
    expect(onToggle).toHaveBeenCalledWith(1);
    expect(within(screen.getByRole('region', { name: 'Dr. Okafor' })).getByRole('button', { name: /10:15 – 10:30 AM, Dr. Okafor, 35.00, unavailable/ })).toBeInTheDocument();
    // Never called seats here.
    expect(screen.queryByText(/seat/i)).toBeNull();
  });

  it('lets nothing be selected when told so (a cancelled show)', async () => {
    const onToggle = vi.fn();
    const user = userEvent.setup();
    render(
      <AppointmentList slots={SLOTS} statuses={new Map()} selected={new Set()} colours={colours} timeZone="Europe/Lisbon" onToggle={onToggle} selectable={() => false} />,
    );
    const free = screen.getByRole('button', { name: '9:00 – 9:15 AM, Dr. Rivera, 60.00, free' });
    expect(free).toHaveAttribute('aria-disabled', 'true');
    await user.click(free);
    expect(onToggle).not.toHaveBeenCalled();
  });
});
