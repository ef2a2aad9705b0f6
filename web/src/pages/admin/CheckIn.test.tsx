import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../../api/client';
import { RepeatFilter } from '../../components/CameraScanner';
import { isAppRoute } from '../../router';
import { CheckIn, codeShowId, formatClock, outcomeOf } from './CheckIn';

const LISBON = { id: 3, name: 'Dune: Part Three', kind: 'movie', starts_at: '2026-12-07T19:30:00Z', time_zone: 'Europe/Lisbon', currency: 'EUR' };
const MADRID = { id: 7, name: 'Championship Final', kind: 'event', starts_at: '2026-12-08T19:00:00Z', time_zone: 'Europe/Madrid', currency: 'EUR' };
const CANCELLED = { ...MADRID, id: 8, name: 'Called off', cancelled_at: '2026-12-01T10:00:00Z' };

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
const problem = (status: number, code: string, extra: object = {}) => ({
  error: { type: 'about:blank', title: 'x', status, code, detail: `detail of ${code}`, ...extra },
  response: new Response(null, { status }),
});
const ADMITTED = {
  show_id: 3,
  seat_id: 4,
  seat: 'A4',
  category: 'standard',
  booking_id: '0b9a3c1e-1d7e-4f7a-9a55-3f2c1e0d9b8a',
  reference: 'X22X-V854',
  checked_in_at: '2026-12-07T20:14:05Z',
};

function mockShows() {
  return vi.spyOn(api, 'GET').mockImplementation((async (path: string) => (path === '/shows' ? ok({ items: [LISBON, MADRID, CANCELLED] }) : ok(LISBON))) as never);
}

const result = () => screen.getByTestId('checkin-result');

describe('check-in outcomes', () => {
  it('is a page of the app (links to it change the page without a load)', () => {
    expect(isAppRoute('/admin/check-in')).toBe(true);
    expect(isAppRoute('/admin/check-out')).toBe(false);
  });

  it('reads the show out of a code', () => {
    expect(codeShowId('7-1093-K7Q2M9XD')).toBe(7);
    expect(codeShowId(' 7-1093-k7q2m9xd ')).toBe(7);
    expect(codeShowId('hello')).toBeUndefined();
    expect(codeShowId('7-1093-K7Q2')).toBeUndefined();
  });

  it('maps the service’s answers: admitted, 409 already checked in (with when), 404 not a ticket (another show named)', () => {
    expect(outcomeOf('3-4-K7Q2M9XD', 3, { ok: ADMITTED })).toEqual({ kind: 'admitted', code: '3-4-K7Q2M9XD', checkIn: ADMITTED });
    const already = new ApiError({ type: 'x', title: 'x', status: 409, code: 'already_checked_in', detail: '', checked_in_at: ADMITTED.checked_in_at });
    expect(outcomeOf('3-4-K7Q2M9XD', 3, { error: already })).toEqual({ kind: 'already', code: '3-4-K7Q2M9XD', checkedInAt: ADMITTED.checked_in_at });
    const notFound = new ApiError({ type: 'x', title: 'x', status: 404, code: 'ticket_not_found', detail: '' });
    expect(outcomeOf('7-1-AAAAAAAA', 3, { error: notFound })).toEqual({ kind: 'not-found', code: '7-1-AAAAAAAA', otherShowId: 7 });
    expect(outcomeOf('3-1-AAAAAAAA', 3, { error: notFound })).toEqual({ kind: 'not-found', code: '3-1-AAAAAAAA', otherShowId: undefined });
    const gone = new ApiError({ type: 'x', title: 'x', status: 404, code: 'show_not_found', detail: '' });
    expect(outcomeOf('3-1-AAAAAAAA', 3, { error: gone })).toMatchObject({ kind: 'error', message: 'This show no longer exists. Choose another show.' });
    expect(outcomeOf('3-1-AAAAAAAA', 3, { error: new TypeError('fetch failed') })).toMatchObject({ kind: 'error', message: /Could not reach the server/ });
  });

  it('gives times at the venue to the second, with the zone', () => {
    expect(formatClock('2026-12-07T20:14:05Z', 'Europe/Lisbon')).toMatch(/^(20:14:05|08:14:05 PM) \(Lisbon, GMT\)$/);
    expect(formatClock('2026-12-07T20:14:05Z', 'Europe/Madrid')).toMatch(/^(21:14:05|09:14:05 PM) \(Madrid, GMT\+1\)$/);
  });

  it('passes a code held in front of the camera on once, and again only after it was out of sight', () => {
    const f = new RepeatFilter(3000);
    expect(f.accept('a', 0)).toBe(true);
    expect(f.accept('a', 150)).toBe(false);
    expect(f.accept('a', 3000)).toBe(false); // still in sight: last seen 150 → 3000 ms, under the gap
    expect(f.accept('b', 3100)).toBe(true);
    expect(f.accept('a', 3200)).toBe(true);
    expect(f.accept('a', 6300)).toBe(true);
  });
});

describe('CheckIn page', () => {
  beforeEach(() => window.history.replaceState(null, '', '/admin/check-in'));
  afterEach(() => {
    vi.restoreAllMocks();
    delete (window as { BarcodeDetector?: unknown }).BarcodeDetector;
  });

  it('offers upcoming shows (not cancelled); a typed code + Enter admits; again: already checked in at the first time; another show’s code: not for this show', async () => {
    const get = mockShows();
    const post = vi
      .spyOn(api, 'POST')
      .mockResolvedValueOnce(ok(ADMITTED) as never)
      .mockResolvedValueOnce(problem(409, 'already_checked_in', { checked_in_at: ADMITTED.checked_in_at }) as never)
      .mockResolvedValueOnce(problem(404, 'ticket_not_found') as never);
    const user = userEvent.setup();
    render(<CheckIn />);

    const select = screen.getByRole('combobox', { name: 'Show' });
    await within(select).findByRole('option', { name: /^Dune: Part Three — .*\(Lisbon, GMT\)$/ });
    expect(within(select).queryByRole('option', { name: /Called off/ })).toBeNull();
    const query = (get.mock.calls[0] as unknown as [string, { params: { query: { from: string; limit: number } } }])[1].params.query;
    expect(Date.now() - Date.parse(query.from)).toBeGreaterThan(11 * 3600_000); // shows that started lately too
    expect(screen.queryByRole('textbox', { name: 'Ticket code' })).toBeNull();

    await user.selectOptions(select, '3');
    expect(window.location.search).toBe('?show=3');
    const field = screen.getByRole('textbox', { name: 'Ticket code' });
    await user.type(field, '3-4-K7Q2M9XD{Enter}');
    await within(result()).findByText('Admitted');
    expect(post).toHaveBeenCalledWith('/admin/shows/{id}/check-in', { params: { path: { id: 3 } }, body: { code: '3-4-K7Q2M9XD' } });
    expect(result()).toHaveAttribute('aria-live', 'assertive');
    expect(within(result()).getByText('A4')).toBeInTheDocument();
    expect(result()).toHaveTextContent(/standard · booking X22X-V854 · at (20:14:05|08:14:05 PM) \(Lisbon, GMT\)$/);
    expect(result().querySelector('.checkin-admitted')).not.toBeNull();
    expect(field).toHaveValue('');
    expect(field).toHaveFocus();

    await user.type(field, '3-4-K7Q2M9XD{Enter}');
    await within(result()).findByText(/^Already checked in at (20:14:05|08:14:05 PM) \(Lisbon, GMT\)$/);
    expect(result().querySelector('.checkin-already')).not.toBeNull();

    await user.type(field, '7-9-ZZZZ0000{Enter}');
    await within(result()).findByText('Not a ticket for this show');
    expect(within(result()).getByText(/This code is for “Championship Final”, .*\(Madrid, GMT\+1\)/)).toBeInTheDocument();
    // A code not found stays in the field, to be corrected.
    expect(field).toHaveValue('7-9-ZZZZ0000');

    // The log: newest first.
    const log = within(screen.getByRole('region', { name: 'Last scans' })).getAllByRole('listitem');
    expect(log.map((li) => li.textContent)).toEqual([
      expect.stringMatching(/7-9-ZZZZ0000Not a ticket for this show$/),
      expect.stringMatching(/3-4-K7Q2M9XDAlready checked in at/),
      expect.stringMatching(/3-4-K7Q2M9XDAdmitted: A4 \(X22X-V854\)$/),
    ]);
  });

  it('opens on the show of the link (?show=), and has no camera button where the browser cannot read QR codes', async () => {
    window.history.replaceState(null, '', '/admin/check-in?show=7');
    mockShows();
    render(<CheckIn />);
    await screen.findByRole('textbox', { name: 'Ticket code' });
    expect(screen.getByRole('combobox', { name: 'Show' })).toHaveValue('7');
    expect(screen.queryByRole('button', { name: 'Scan with camera' })).toBeNull();
  });

  it('scans QR codes from the camera with BarcodeDetector: each code once, then the camera stops', async () => {
    window.history.replaceState(null, '', '/admin/check-in?show=3');
    mockShows();
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok(ADMITTED) as never);
    let seen: { rawValue: string }[] = [];
    const detect = vi.fn(async () => seen);
    (window as { BarcodeDetector?: unknown }).BarcodeDetector = Object.assign(
      vi.fn(function (this: object) {
        Object.assign(this, { detect });
      }),
      { getSupportedFormats: async () => ['qr_code', 'ean_13'] },
    );
    const track = { stop: vi.fn() };
    const getUserMedia = vi.fn(async () => ({ getTracks: () => [track] }));
    Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true });
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
    vi.spyOn(HTMLMediaElement.prototype, 'readyState', 'get').mockReturnValue(4);

    const user = userEvent.setup();
    render(<CheckIn />);
    await user.click(await screen.findByRole('button', { name: 'Scan with camera' }));
    await screen.findByRole('button', { name: 'Stop camera' });
    expect(getUserMedia).toHaveBeenCalledWith({ video: { facingMode: { ideal: 'environment' } }, audio: false });
    expect(screen.getByLabelText('Camera picture')).toBeVisible();

    seen = [{ rawValue: '3-4-K7Q2M9XD' }];
    await within(result()).findByText('Admitted', {}, { timeout: 2000 });
    // Read again and again while it is in front of the camera: sent once.
    await waitFor(() => expect(detect.mock.calls.length).toBeGreaterThan(4), { timeout: 3000 });
    expect(post).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledWith('/admin/shows/{id}/check-in', { params: { path: { id: 3 } }, body: { code: '3-4-K7Q2M9XD' } });

    await user.click(screen.getByRole('button', { name: 'Stop camera' }));
    expect(track.stop).toHaveBeenCalled();
    const calls = detect.mock.calls.length;
    await act(() => new Promise((r) => setTimeout(r, 400)));
    expect(detect.mock.calls.length).toBe(calls);
    delete (navigator as { mediaDevices?: unknown }).mediaDevices;
  });

  it('says so when the camera may not be used', async () => {
    window.history.replaceState(null, '', '/admin/check-in?show=3');
    mockShows();
    (window as { BarcodeDetector?: unknown }).BarcodeDetector = vi.fn();
    const denied = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia: vi.fn().mockRejectedValue(denied) }, configurable: true });
    const user = userEvent.setup();
    render(<CheckIn />);
    await user.click(await screen.findByRole('button', { name: 'Scan with camera' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The camera may not be used here: allow it in the browser, or type the codes.');
    expect(screen.getByRole('button', { name: 'Scan with camera' })).toBeInTheDocument();
    delete (navigator as { mediaDevices?: unknown }).mediaDevices;
  });
});
