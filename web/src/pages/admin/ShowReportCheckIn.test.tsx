import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ShowReport as Report } from '../../api/client';
import { checkedInText, ReportTable } from './ShowReport';

const REPORT: Report = {
  show_id: 3,
  categories: [
    { category: 'premium', available: 28, held: 0, booked: 2, blocked: 0, checked_in: 0 },
    { category: 'standard', available: 110, held: 3, booked: 5, blocked: 2, checked_in: 3 },
  ],
  confirmed_bookings: 4,
  revenue_cents: 9600,
  live_holds: 1,
  held_seats: 3,
  checked_in: 3,
  blocked_seats: [],
};

const figure = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling?.textContent;

describe('the report’s check-in counts', () => {
  it('gives tickets checked in at the door, in all and per category, of the seats booked', () => {
    render(<ReportTable report={REPORT} />);
    expect(figure('Checked in')).toBe('3 of 7 booked');
    expect(figure('Checked in by category')).toBe('premium 0 of 2 booked, standard 3 of 5 booked');
  });

  it('has no per-category line for a single category, and reads an answer without the counts as 0', () => {
    render(<ReportTable report={{ ...REPORT, categories: [REPORT.categories[1]] }} />);
    expect(figure('Checked in')).toBe('3 of 5 booked');
    expect(screen.queryByText('Checked in by category')).toBeNull();
    expect(checkedInText(undefined, 4)).toBe('0 of 4 booked');
  });
});
