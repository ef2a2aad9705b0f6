import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type ShowReport as Report } from '../../api/client';
import { ReportTable, ShowReport } from './ShowReport';

const REPORT: Report = {
  show_id: 3,
  categories: [
    { category: 'premium', available: 28, held: 0, booked: 2, blocked: 0, checked_in: 0 },
    { category: 'standard', available: 110, held: 3, booked: 5, blocked: 2, checked_in: 0 },
  ],
  confirmed_bookings: 4,
  revenue_cents: 9600,
  live_holds: 1,
  held_seats: 3,
  checked_in: 0,
  blocked_seats: [
    { seat_id: 41, label: 'C1', reason: 'house seats' },
    { seat_id: 42, label: 'C2', reason: 'broken' },
  ],
};

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent);

describe('ReportTable', () => {
  it('lists seats by category and status, with totals', () => {
    render(<ReportTable report={REPORT} />);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Category', 'Available', 'Held', 'Booked', 'Blocked']);
    expect(cells(screen.getByRole('row', { name: /^premium/ }))).toEqual(['28', '0', '2', '0']);
    expect(cells(screen.getByRole('row', { name: /^standard/ }))).toEqual(['110', '3', '5', '2']);
    expect(cells(screen.getByRole('row', { name: /^All/ }))).toEqual(['138', '3', '7', '2']);
  });

  it('gives confirmed bookings, revenue from cents, and live holds', () => {
    render(<ReportTable report={REPORT} />);
    const figure = (term: string) => screen.getByText(term).nextElementSibling?.textContent;
    expect(figure('Confirmed bookings')).toBe('4');
    expect(figure('Revenue')).toBe('€96.00');
    expect(figure('Live holds')).toBe('1 (3 seats)');
    expect(figure('Blocked seats')).toBe('C1 (house seats), C2 (broken)');
  });

  it('has no total row for a single category', () => {
    render(<ReportTable report={{ ...REPORT, categories: [REPORT.categories[0]] }} />);
    expect(screen.queryByRole('row', { name: /^All/ })).toBeNull();
  });
});

describe('ShowReport', () => {
  afterEach(() => vi.restoreAllMocks());

  it('loads the report and loads it again on "Refresh report"', async () => {
    const get = vi
      .spyOn(api, 'GET')
      .mockResolvedValueOnce(ok(REPORT) as never)
      .mockResolvedValueOnce(ok({ ...REPORT, confirmed_bookings: 5, revenue_cents: 12000 }) as never);
    const user = userEvent.setup();
    render(<ShowReport showId={3} revision={0} />);
    await screen.findByText('€96.00');
    await user.click(screen.getByRole('button', { name: 'Refresh report' }));
    await screen.findByText('€120.00');
    expect(get).toHaveBeenCalledTimes(2);
    expect(get).toHaveBeenLastCalledWith('/admin/shows/{id}/report', { params: { path: { id: 3 } } });
  });
});
