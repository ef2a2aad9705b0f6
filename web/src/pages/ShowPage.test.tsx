import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking, type Seat, type SeatMap, type Show } from '../api/client';
import { AuthProvider } from '../auth';
import { ShowPage } from './ShowPage';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const refused = (status: number, code: string) => ({
  error: { type: 'about:blank', title: 'Refused', status, code, detail: `detail of ${code}` },
  response: new Response(null, { status }),
});

const arena: Show = {
  id: 7,
  name: 'Championship Final',
  kind: 'event',
  starts_at: '2026-12-20T19:00:00Z',
  time_zone: 'Europe/Madrid',
  currency: 'EUR',
  total_seats: 2002,
  available_seats: 2002,
  prices: { floor: 15000, lower: 8500 },
  created_at: '2026-01-01T00:00:00Z',
};
const bowlSeat = (id: number, n: number): Seat => ({
  id,
  label: `L1-${n}`,
  section: 'Lower bowl',
  row: 'L1',
  number: n,
  category: 'lower',
  price_cents: 8500,
  x: n,
  y: 2,
  status: 'AVAILABLE',
});
const arenaMap = (floorLeft: number, version: number): SeatMap => ({
  show_id: 7,
  version,
  seats: [bowlSeat(2001, 1), bowlSeat(2002, 2)],
  standing: [{ section: 'Floor', category: 'floor', price_cents: 15000, capacity: 2000, available: floorLeft }],
});
const held = (over: Partial<Booking>): Booking => ({
  id: 'b1',
  reference: 'X22X-V854',
  tickets: [],
  show_id: 7,
  status: 'PENDING',
  seat_ids: [1406, 1413, 1414],
  seats: ['Floor 1406', 'Floor 1413', 'Floor 1414'],
  total_cents: 45000,
  expires_at: new Date(Date.now() + 300_000).toISOString(),
  created_at: '2026-12-06T10:00:00Z',
  updated_at: '2026-12-06T10:00:00Z',
  ...over,
});

const clinic: Show = {
  ...arena,
  id: 6,
  name: 'Morning clinic',
  kind: 'appointment',
  starts_at: '2026-12-09T09:00:00Z',
  time_zone: 'Europe/Lisbon',
  total_seats: 2,
  available_seats: 1,
  prices: { consultation: 6000 },
};
const slot = (id: number, start: string, status: Seat['status'] = 'AVAILABLE'): Seat => ({
  id,
  label: `Dr. Rivera ${start}`,
  section: 'Dr. Rivera',
  row: 'Dr. Rivera',
  number: id,
  category: 'consultation',
  price_cents: 6000,
  x: id,
  y: 0,
  starts_at: `2026-12-09T${start}:00Z`,
  ends_at: `2026-12-09T${start.slice(0, 3)}${Number(start.slice(3)) + 15}:00Z`,
  status,
});

function signIn() {
  localStorage.setItem('tessera.token', 'opaque');
  localStorage.setItem('tessera.email', 'fan@example.com');
  localStorage.setItem('tessera.role', 'buyer');
  localStorage.setItem('tessera.expires_at', String(Date.now() + 3_600_000));
}

const renderPage = (id: number) =>
  render(
    <AuthProvider>
      <ShowPage showId={id} />
    </AuthProvider>,
  );

describe('ShowPage', () => {
  beforeEach(signIn);
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it('holds standing places by quantity and section, and the places left follow', async () => {
    let floorLeft = 1997;
    let version = 3;
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/shows/{id}' ? ok(arena) : ok(arenaMap(floorLeft, version))) as never);
    const post = vi.spyOn(api, 'POST').mockImplementation((async (path: string) => {
      if (path === '/bookings') {
        floorLeft -= 3;
        version++;
        return ok(held({}), 201);
      }
      return ok(held({ status: 'CONFIRMED' }));
    }) as never);
    const user = userEvent.setup();
    renderPage(7);

    // Times at the venue (Madrid), with the zone; seats and standing places counted together.
    expect(await screen.findByText(/event · Sun, Dec 20, 08:00 PM \(Madrid, GMT\+1\) · 1999 of 2002 places left/)).toBeInTheDocument();
    const floor = screen.getByRole('region', { name: 'Floor' });
    expect(within(floor).getByText('1997 of 2000 places left')).toBeInTheDocument();
    // The bowl's seats are still on the map, and the floor has its colour in the legend.
    expect(screen.getByRole('button', { name: 'Seat L1-1, lower, 85.00, available' })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Legend' })).getByText(/floor – 150.00/)).toBeInTheDocument();

    await user.selectOptions(within(floor).getByLabelText('Number of places'), '3');
    await user.click(within(floor).getByRole('button', { name: 'Hold 3 places' }));
    expect(post).toHaveBeenCalledWith('/bookings', { body: { show_id: 7, quantity: 3, section: 'Floor' } });
    expect(await screen.findByRole('heading', { name: 'Places held: Floor × 3' })).toBeInTheDocument();
    expect(screen.getByRole('timer')).toBeInTheDocument();
    // The map is fetched again for the places left (the event stream does not carry them).
    expect(await within(floor).findByText('1994 of 2000 places left')).toBeInTheDocument();
    expect(within(floor).getByRole('button', { name: 'Hold 3 places' })).toBeDisabled(); // one hold at a time
    expect(get.mock.calls.filter((c) => c[0] === '/shows/{id}/seats').length).toBe(2);

    await user.click(screen.getByRole('button', { name: 'Confirm booking' }));
    expect(await screen.findByRole('heading', { name: 'Booked: Floor × 3' })).toBeInTheDocument();
  });

  it('says so when too few places are left, and refreshes the count', async () => {
    let floorLeft = 5;
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(arena) : ok(arenaMap(floorLeft, 9)))) as never);
    vi.spyOn(api, 'POST').mockImplementation((async () => {
      floorLeft = 2;
      return refused(409, 'not_enough_seats');
    }) as never);
    const user = userEvent.setup();
    renderPage(7);
    const floor = await screen.findByRole('region', { name: 'Floor' });
    await user.selectOptions(within(floor).getByLabelText('Number of places'), '4');
    await user.click(within(floor).getByRole('button', { name: 'Hold 4 places' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Not enough places are left in Floor for 4 places (this page last saw 5). The count has been updated; pick fewer.');
    expect(await within(floor).findByText('2 of 2000 places left')).toBeInTheDocument();
    // The picker follows: at most the 2 left.
    expect(within(within(floor).getByLabelText('Number of places')).getAllByRole('option')).toHaveLength(2);
  });

  it('lists an appointment show per practitioner in the venue zone and holds the time picked', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/shows/{id}' ? ok(clinic) : ok({ show_id: 6, version: 1, seats: [slot(1, '09:00', 'BOOKED'), slot(3, '09:30')] })) as never);
    const post = vi
      .spyOn(api, 'POST')
      .mockResolvedValue(ok(held({ show_id: 6, seat_ids: [3], seats: ['Dr. Rivera 09:30'], total_cents: 6000 }), 201) as never);
    const user = userEvent.setup();
    renderPage(6);

    const rivera = await screen.findByRole('region', { name: 'Dr. Rivera' });
    expect(screen.getByText(/appointment · Wed, Dec 9, 09:00 AM \(Lisbon, GMT\) · 1 of 2 appointments free/)).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Seat map' })).toBeNull();
    expect(screen.queryByRole('group', { name: /^Seat map/ })).toBeNull();
    expect(screen.getByText('No time selected.')).toBeInTheDocument();
    expect(within(rivera).getByRole('button', { name: '9:00 – 9:15 AM, Dr. Rivera, 60.00, taken' })).toHaveAttribute('aria-disabled', 'true');

    await user.click(within(rivera).getByRole('button', { name: '9:30 – 9:45 AM, Dr. Rivera, 60.00, free' }));
    expect(screen.getByText('Selected: Dr. Rivera 9:30 – 9:45 AM — total 60.00')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Hold 1 appointment' }));
    expect(post).toHaveBeenCalledWith('/bookings', { body: { show_id: 6, seat_ids: [3] } });
    expect(await screen.findByRole('heading', { name: 'Appointment held: Dr. Rivera, Wed, Dec 9, 9:30 – 9:45 AM (Lisbon, GMT)' })).toBeInTheDocument();
    expect(within(rivera).getByRole('button', { name: /^9:30 – 9:45 AM, Dr. Rivera, 60.00, taken$/ })).toBeInTheDocument();
    expect(screen.queryByText(/\bseats?\b/i)).toBeNull();
  });
});
