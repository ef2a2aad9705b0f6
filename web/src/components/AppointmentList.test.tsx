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
  it("lists each practitioner's times in the venue's zone; a tap on a free time picks it, taken ones are marked", async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    render(<AppointmentList slots={SLOTS} statuses={new Map([[3, 'HELD']])} selected={new Set()} colours={colours} timeZone="Europe/Madrid" onPick={onPick} />);
    const rivera = screen.getByRole('region', { name: 'Dr. Rivera' });
    expect(within(rivera).getByText('consultation · €60.00')).toBeInTheDocument();
    expect(within(rivera).getByText('Wed, Dec 9, times (Madrid, GMT+1) · 1 of 3 free')).toBeInTheDocument();
    // 09:00 UTC is 10:00 in Madrid. Named whose and when first, with the price; the button shows the times.
    const buttons = within(rivera).getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      'Dr. Rivera, Wed, Dec 9, 10:00 AM, €60.00',
      'Dr. Rivera, Wed, Dec 9, 10:15 AM, €60.00, taken',
      'Dr. Rivera, Wed, Dec 9, 10:30 AM, €60.00, taken', // live status: held since the map was loaded
    ]);
    expect(buttons[0]).toHaveTextContent('10:00 – 10:15 AM');
    // Holding at once (signed in): an action, not a toggle.
    expect(buttons[0]).not.toHaveAttribute('aria-pressed');
    expect(buttons[1]).toHaveAttribute('aria-disabled', 'true');
    expect(buttons[1]).toHaveTextContent('10:15 – 10:30 AM taken');
    await user.click(buttons[1]);
    expect(onPick).not.toHaveBeenCalled();
    await user.click(buttons[0]);
    expect(onPick).toHaveBeenCalledWith(1);
    expect(within(screen.getByRole('region', { name: 'Dr. Okafor' })).getByRole('button', { name: 'Dr. Okafor, Wed, Dec 9, 10:15 AM, €35.00, unavailable' })).toBeInTheDocument();
    // Never called seats here.
    expect(screen.queryByText(/seat/i)).toBeNull();
  });

  it('marks the picked time pressed when picking (signed out), and takes no tap while a hold is open', async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(
      <AppointmentList slots={SLOTS} statuses={new Map()} selected={new Set([1])} colours={colours} timeZone="Europe/Lisbon" mode="select" onPick={onPick} />,
    );
    const picked = screen.getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:00 AM, €60.00' });
    expect(picked).toHaveAttribute('aria-pressed', 'true');
    expect(picked).toHaveTextContent('✓ 9:00 – 9:15 AM');
    expect(screen.getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:30 AM, €60.00' })).toHaveAttribute('aria-pressed', 'false');
    rerender(<AppointmentList slots={SLOTS} statuses={new Map()} selected={new Set()} colours={colours} timeZone="Europe/Lisbon" onPick={onPick} disabled />);
    const free = screen.getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:30 AM, €60.00' });
    expect(free).toHaveAttribute('aria-disabled', 'true');
    await user.click(free);
    expect(onPick).not.toHaveBeenCalled();
  });

  it('lets nothing be picked when told so (a cancelled show)', async () => {
    const onPick = vi.fn();
    const user = userEvent.setup();
    render(<AppointmentList slots={SLOTS} statuses={new Map()} selected={new Set()} colours={colours} timeZone="Europe/Lisbon" onPick={onPick} selectable={() => false} />);
    const free = screen.getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:00 AM, €60.00' });
    expect(free).toHaveAttribute('aria-disabled', 'true');
    await user.click(free);
    expect(onPick).not.toHaveBeenCalled();
  });
});
