import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, type Booking, type Seat, type SeatMap, type Show } from '../api/client';
import { AuthProvider } from '../auth';
import { PENDING_KEY, savePending } from '../pendingSelection';
import { noteWrite } from '../showVersions';
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
    expect(screen.getByRole('button', { name: 'Seat L1-1, €85.00, available' })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Legend' })).getByText(/floor – €150.00/)).toBeInTheDocument();

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

  it('draws the floor on the seat map where it stands; picking it there brings up its picker, and its places left follow', async () => {
    let floorLeft = 1997;
    let version = 3;
    const outline = [
      { x: 0, y: 0 },
      { x: 3, y: 0 },
      { x: 3, y: 1 },
      { x: 0, y: 1 },
    ];
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => {
      if (path === '/shows/{id}') return ok(arena);
      const map = arenaMap(floorLeft, version);
      return ok({ ...map, standing: map.standing!.map((a) => ({ ...a, outline })) });
    }) as never);
    vi.spyOn(api, 'POST').mockImplementation((async () => {
      floorLeft -= 3;
      version++;
      return ok(held({}), 201);
    }) as never);
    const user = userEvent.setup();
    renderPage(7);

    const onMap = await screen.findByRole('button', { name: 'Floor, standing, €150.00 per place, 1,997 places left' });
    expect(screen.getByRole('group', { name: /^Seat map/ })).toContainElement(onMap);
    const floor = screen.getByRole('region', { name: 'Floor' });
    const picker = within(floor).getByLabelText('Number of places');
    expect(picker).not.toHaveFocus();
    await user.click(onMap);
    expect(picker).toHaveFocus();
    // The keyboard gets there too.
    onMap.focus();
    await user.keyboard('{Enter}');
    expect(picker).toHaveFocus();

    await user.selectOptions(picker, '3');
    await user.click(within(floor).getByRole('button', { name: 'Hold 3 places' }));
    expect(await screen.findByRole('heading', { name: 'Places held: Floor × 3' })).toBeInTheDocument();
    // The map's count follows the card's.
    expect(await screen.findByRole('button', { name: 'Floor, standing, €150.00 per place, 1,994 places left' })).toHaveTextContent('Floor · 1,994 places left');
    expect(within(floor).getByText('1994 of 2000 places left')).toBeInTheDocument();
  });

  it('lists an appointment show per practitioner in the venue zone and holds a time with one tap', async () => {
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
    expect(screen.getByText('Tap a free time to hold it.')).toBeInTheDocument();
    expect(within(rivera).getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:00 AM, €60.00, taken' })).toHaveAttribute('aria-disabled', 'true');

    await user.click(within(rivera).getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:30 AM, €60.00' }));
    expect(post).toHaveBeenCalledWith('/bookings', { body: { show_id: 6, seat_ids: [3] } });
    expect(await screen.findByRole('heading', { name: 'Appointment held: Dr. Rivera, Wed, Dec 9, 9:30 – 9:45 AM (Lisbon, GMT)' })).toBeInTheDocument();
    expect(within(rivera).getByRole('button', { name: 'Dr. Rivera, Wed, Dec 9, 09:30 AM, €60.00, taken' })).toBeInTheDocument();
    expect(screen.queryByText(/\bseats?\b/i)).toBeNull();
  });
});

const cinema: Show = { ...arena, id: 3, name: 'Dune: Part Three', kind: 'movie', time_zone: 'Europe/Lisbon', total_seats: 4, available_seats: 3, prices: { standard: 1200, premium: 1800 } };
const cinemaSeat = (id: number, n: number, status: Seat['status'] = 'AVAILABLE', category = 'standard'): Seat => ({
  id,
  label: `A${n}`,
  section: 'Stalls',
  row: 'A',
  number: n,
  category,
  price_cents: category === 'premium' ? 1800 : 1200,
  x: n - 1,
  y: 0,
  status,
  ...(n === 1 ? { features: ['wheelchair'] } : {}),
});
const cinemaMap = (a5: Seat['status'] = 'AVAILABLE'): SeatMap => ({
  show_id: 3,
  version: 2,
  seats: [cinemaSeat(1, 1), cinemaSeat(4, 4), cinemaSeat(5, 5, a5), cinemaSeat(6, 6, 'AVAILABLE', 'premium')],
});
const problem = (status: number, code: string, detail: string) => ({
  error: { type: 'about:blank', title: 'Refused', status, code, detail },
  response: new Response(null, { status }),
});

describe('ShowPage when things go wrong', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it('says "Show not found" with a way back when the show does not exist, never a stuck "Loading…"', async () => {
    vi.spyOn(api, 'GET').mockResolvedValue(problem(404, 'show_not_found', 'There is no show 999999.') as never);
    renderPage(999999);
    expect(await screen.findByRole('heading', { level: 1, name: 'Show not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to the list of shows' })).toHaveAttribute('href', '/');
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('says the show could not be loaded on a network failure or a 500, and loads it on "Try again"', async () => {
    let fail: 'network' | '500' | null = 'network';
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => {
      if (fail === 'network') throw new TypeError('Failed to fetch');
      if (fail === '500') return problem(500, 'internal', 'Something broke on our side.');
      return path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap());
    }) as never);
    const user = userEvent.setup();
    renderPage(3);
    expect(await screen.findByRole('heading', { level: 1, name: 'This show could not be loaded' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Could not reach the server. Check your connection and try again.');
    fail = '500';
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Something broke on our side.');
    fail = null;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Dune: Part Three' })).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: /^Seat A4,/ })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('ShowPage: the buyer\'s pick across signing in', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    sessionStorage.clear();
  });

  it('keeps the seats picked while signed out (one show, in this tab) and links to sign in and back', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap()))) as never);
    const user = userEvent.setup();
    renderPage(3);
    await user.click(await screen.findByRole('button', { name: /^Seat A4,/ }));
    await user.click(screen.getByRole('button', { name: /^Seat A5,/ }));
    expect(JSON.parse(sessionStorage.getItem(PENDING_KEY)!)).toMatchObject({ showId: 3, seats: [{ id: 4, label: 'A4' }, { id: 5, label: 'A5' }] });
    const links = screen.getAllByRole('link', { name: 'Sign in to hold seats' });
    for (const l of links) expect(l).toHaveAttribute('href', '/login?next=%2Fshows%2F3');
    // Nothing picked: nothing kept.
    await user.click(screen.getByRole('button', { name: /^Seat A4,/ }));
    await user.click(screen.getByRole('button', { name: /^Seat A5,/ }));
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('puts back the seats still free after signing in, and says which were taken meanwhile', async () => {
    signIn();
    savePending(3, [
      { id: 4, label: 'A4' },
      { id: 5, label: 'A5' },
    ]);
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap('HELD')))) as never);
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok(held({ show_id: 3, seat_ids: [4], seats: ['A4'], total_cents: 1200 }), 201) as never);
    const user = userEvent.setup();
    renderPage(3);
    expect(await screen.findByRole('status')).toHaveTextContent('Seat A5 was taken while you were signing in. Seat A4 is still selected for you.');
    expect(screen.getByRole('button', { name: /^Seat A4,/ })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: /^Seat A5,/ })).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getByText('Selected: A4 — total €12.00')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Hold 1 seat' }));
    expect(post).toHaveBeenCalledWith('/bookings', { body: { show_id: 3, seat_ids: [4] } });
    expect(await screen.findByRole('heading', { name: 'Seats held: A4' })).toBeInTheDocument();
    // Held: nothing is kept any more.
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('keeps a standing quantity across signing in, within the places left', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(arena) : ok(arenaMap(1997, 3)))) as never);
    const user = userEvent.setup();
    const { unmount } = renderPage(7);
    const floor = await screen.findByRole('region', { name: 'Floor' });
    await user.selectOptions(within(floor).getByLabelText('Number of places'), '3');
    expect(within(floor).getByRole('link', { name: 'Sign in to hold places' })).toHaveAttribute('href', '/login?next=%2Fshows%2F7');
    expect(JSON.parse(sessionStorage.getItem(PENDING_KEY)!)).toMatchObject({ showId: 7, seats: [], standing: { section: 'Floor', quantity: 3 } });
    unmount();
    // Signed in and back: the picker says 3 again, and so does the page.
    signIn();
    renderPage(7);
    const again = await screen.findByRole('region', { name: 'Floor' });
    expect(within(again).getByLabelText('Number of places')).toHaveValue('3');
    expect(within(again).getByRole('button', { name: 'Hold 3 places' })).toBeInTheDocument();
    expect(document.querySelector('.notice')).toHaveTextContent('3 places in Floor are still picked for you.');
  });

  it('does not put back a pick kept for another show', async () => {
    signIn();
    savePending(8, [{ id: 4, label: 'A4' }]);
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap()))) as never);
    renderPage(3);
    expect(await screen.findByRole('button', { name: /^Seat A4,/ })).toHaveAttribute('aria-pressed', 'false');
    expect(document.querySelector('.notice')).toBeEmptyDOMElement();
  });
});

describe('ShowPage: best available, prices and kinds', () => {
  beforeEach(signIn);
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    sessionStorage.clear();
  });

  it('asks the service for the best seats by number, category or wheelchair space, then shows the usual hold', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap()))) as never);
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok(held({ show_id: 3, seat_ids: [4, 5], seats: ['A4', 'A5'], total_cents: 2400 }), 201) as never);
    const user = userEvent.setup();
    renderPage(3);
    const best = await screen.findByRole('region', { name: 'Best available' });
    expect(within(within(best).getByLabelText('Category')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Any category',
      'premium (€18.00)',
      'standard (€12.00)',
    ]);
    await user.click(within(best).getByRole('button', { name: 'Find 2 seats' }));
    expect(post).toHaveBeenLastCalledWith('/bookings', { body: { show_id: 3, quantity: 2 } });
    expect(await screen.findByRole('heading', { name: 'Seats held: A4, A5' })).toBeInTheDocument();
    expect(screen.getByText(/Total €24.00/)).toBeInTheDocument();
    expect(within(best).getByRole('button', { name: 'Find 2 seats' })).toBeDisabled(); // one hold at a time
    await user.click(screen.getByRole('button', { name: 'Cancel hold' }));
    await screen.findByRole('heading', { name: 'Cancelled' });

    // A4 and A5 were held (the stream has not said they are free again): at most the two seats left.
    expect(within(within(best).getByLabelText('Number of seats')).getAllByRole('option')).toHaveLength(2);
    await user.selectOptions(within(best).getByLabelText('Number of seats'), '1');
    await user.selectOptions(within(best).getByLabelText('Category'), 'standard');
    await user.click(within(best).getByRole('button', { name: 'Find 1 seat' }));
    expect(post).toHaveBeenLastCalledWith('/bookings', { body: { show_id: 3, quantity: 1, category: 'standard' } });
    await user.click(await screen.findByRole('button', { name: 'Cancel hold' }));
    await screen.findByRole('heading', { name: 'Cancelled' });

    post.mockResolvedValue(problem(409, 'not_enough_seats', 'Not enough.') as never);
    await user.click(within(best).getByLabelText('Wheelchair space'));
    await user.selectOptions(within(best).getByLabelText('Category'), '');
    await user.click(within(best).getByRole('button', { name: 'Find 1 wheelchair space' }));
    expect(post).toHaveBeenLastCalledWith('/bookings', { body: { show_id: 3, quantity: 1, accessible: true } });
    expect(await screen.findByRole('alert')).toHaveTextContent('Not enough wheelchair spaces are free for 1. Try fewer.');
  });

  it("writes every price in the show's currency", async () => {
    const dollars = { ...cinema, currency: 'USD' } as Show;
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(dollars) : ok(cinemaMap()))) as never);
    renderPage(3);
    expect(await screen.findByRole('button', { name: 'Seat A4, standard, $12.00, available' })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Legend' })).getByText(/premium – \$18.00/)).toBeInTheDocument();
  });

  it('draws a coach with its front and aisle, and names window and aisle seats', async () => {
    const coach: Show = { ...cinema, id: 4, name: 'Lisbon → Porto', kind: 'bus', prices: { standard: 2350 } };
    const coachSeat = (id: number, row: string, n: number, y: number, features?: string[]): Seat => ({
      id,
      label: `${row}${n}`,
      section: 'Coach',
      row,
      number: n,
      category: 'standard',
      price_cents: 2350,
      x: n < 3 ? n - 1 : n,
      y,
      status: 'AVAILABLE',
      ...(features ? { features } : {}),
    });
    const seats = ['A', 'B'].flatMap((r, i) => [1, 2, 3, 4].map((n) => coachSeat(i * 4 + n, r, n, 1.5 + i, r === 'A' && n === 1 ? ['wheelchair'] : n === 2 || n === 3 ? ['aisle'] : undefined)));
    vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      path === '/shows/{id}' ? ok(coach) : ok({ show_id: 4, version: 1, seats, stage: { label: 'Front of coach', x: 2, y: 0 } })) as never);
    renderPage(4);
    // One category: names say what matters on a coach (window, aisle, wheelchair space) and the price.
    expect(await screen.findByRole('button', { name: 'Seat A1, window, wheelchair space, €23.50, available' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat A2, aisle, €23.50, available' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Seat B4, window, €23.50, available' })).toBeInTheDocument();
    expect(screen.getByTestId('stage')).toHaveTextContent('Front of coach');
    expect(document.querySelector('.coach-body')).not.toBeNull();
    expect(document.querySelectorAll('.aisle')).toHaveLength(1);
  });
});

describe("ShowPage: the buyer's own writes are read back, whichever instance answers", () => {
  beforeEach(signIn);
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    sessionStorage.clear();
  });

  type Call = [string, { params: { path: { id: number }; query?: { min_version?: number } } }];
  const callsTo = (get: { mock: { calls: unknown[][] } }, path: string) => (get.mock.calls as unknown as Call[]).filter((c) => c[0] === path);
  const paramsOf = (c: Call | undefined) => c?.[1].params;

  it("asks for the seat map at least at the hold's show_version, and a lower version never lowers it", async () => {
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string) =>
      // A service that has not caught up: it answers the map at version 3 whatever is asked.
      path === '/shows/{id}' ? ok(arena) : ok(arenaMap(1997, 3))) as never);
    vi.spyOn(api, 'POST').mockImplementation((async (path: string) => {
      if (path === '/bookings') return ok(held({ show_version: 42 }), 201);
      if (path === '/bookings/{id}/confirm') return ok(held({ status: 'CONFIRMED', show_version: 43 }));
      // An answer that carries an older version than one already seen (overtaken on the way).
      return ok(held({ status: 'FAILED', failure_reason: 'CANCELLED', show_version: 41 }));
    }) as never);
    const user = userEvent.setup();
    renderPage(7);

    const floor = await screen.findByRole('region', { name: 'Floor' });
    // Nothing written yet: the show and its map are asked for as they are.
    expect(paramsOf(callsTo(get, '/shows/{id}')[0])).toEqual({ path: { id: 7 } });
    expect(paramsOf(callsTo(get, '/shows/{id}/seats')[0])).toEqual({ path: { id: 7 } });

    await user.selectOptions(within(floor).getByLabelText('Number of places'), '3');
    await user.click(within(floor).getByRole('button', { name: 'Hold 3 places' }));
    expect(await screen.findByRole('heading', { name: 'Places held: Floor × 3' })).toBeInTheDocument();
    // The places left are fetched again, at least at the hold.
    await waitFor(() => expect(callsTo(get, '/shows/{id}/seats')).toHaveLength(2));
    expect(paramsOf(callsTo(get, '/shows/{id}/seats')[1])).toEqual({ path: { id: 7 }, query: { min_version: 42 } });

    await user.click(screen.getByRole('button', { name: 'Confirm booking' }));
    expect(await screen.findByRole('heading', { name: 'Booked: Floor × 3' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cancel booking' }));
    expect(await screen.findByRole('heading', { name: 'Cancelled' })).toBeInTheDocument();
    // The refresh after the cancel asks for the highest seen (the confirm's 43), not the cancel's
    // older 41 nor the map's 3.
    await waitFor(() => expect(callsTo(get, '/shows/{id}/seats')).toHaveLength(3), { timeout: 3000 });
    expect(paramsOf(callsTo(get, '/shows/{id}/seats')[2])).toEqual({ path: { id: 7 }, query: { min_version: 43 } });
  });

  it("reads the show again at least at the buyer's hold", async () => {
    const cancelledCinema = { ...cinema, cancelled_at: '2026-12-06T10:01:00Z' };
    let showCancelled = false;
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string) => {
      if (path === '/shows/{id}') return ok(showCancelled ? cancelledCinema : cinema);
      if (path === '/shows/{id}/seats') return ok(cinemaMap());
      return ok(held({ show_id: 3, seat_ids: [4], seats: ['A4'], status: 'FAILED', failure_reason: 'SHOW_CANCELLED' }));
    }) as never);
    vi.spyOn(api, 'POST').mockImplementation((async (path: string) => {
      if (path === '/bookings') return ok(held({ show_id: 3, seat_ids: [4], seats: ['A4'], total_cents: 1200, show_version: 12 }), 201);
      showCancelled = true;
      return refused(409, 'show_cancelled');
    }) as never);
    const user = userEvent.setup();
    renderPage(3);
    await user.click(await screen.findByRole('button', { name: /^Seat A4,/ }));
    await user.click(screen.getByRole('button', { name: 'Hold 1 seat' }));
    await user.click(await screen.findByRole('button', { name: 'Confirm booking' }));
    expect(await screen.findByRole('heading', { name: 'Show cancelled' })).toBeInTheDocument();
    const shows = callsTo(get, '/shows/{id}');
    expect(shows).toHaveLength(2);
    expect(paramsOf(shows[0])).toEqual({ path: { id: 3 } });
    expect(paramsOf(shows[1])).toEqual({ path: { id: 3 }, query: { min_version: 12 } });
  });

  it('asks for a show without writes without min_version, whatever was written to other shows', async () => {
    noteWrite({ show_id: 7, show_version: 42 });
    const get = vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows/{id}' ? ok(cinema) : ok(cinemaMap()))) as never);
    renderPage(3);
    expect(await screen.findByRole('button', { name: /^Seat A4,/ })).toBeInTheDocument();
    expect(get.mock.calls.length).toBeGreaterThanOrEqual(2);
    for (const c of get.mock.calls as unknown as Call[]) expect(paramsOf(c)).toEqual({ path: { id: 3 } });
  });
});
