import { describe, expect, it } from 'vitest';
import { ApiError, type Problem } from './api/client';
import { problemMessage } from './errors';

const problem = (code: string, extra: Partial<Problem> = {}): ApiError =>
  new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, code, detail: `server detail for ${code}`, ...extra });

const labels = new Map([
  [11, 'A11'],
  [12, 'A12'],
  [13, 'B1'],
]);

describe('problemMessage', () => {
  it('names the unavailable seats by label', () => {
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [12] }), labels)).toBe(
      'Seat A12 is no longer available. Pick another seat.',
    );
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [11, 12, 13] }), labels)).toBe(
      'Seats A11, A12, and B1 are no longer available. Pick other seats.',
    );
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [11, 12] }), labels)).toBe(
      'Seats A11 and A12 are no longer available. Pick other seats.',
    );
  });

  it('falls back to the id for unknown labels, and accepts a lookup function', () => {
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [99] }), labels)).toContain('Seat #99');
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [5] }), (id) => `Z${id}`)).toContain('Seat Z5');
  });

  it('says an expired hold expired and can be tried again', () => {
    expect(problemMessage(problem('booking_expired'))).toMatch(/hold expired.*try/i);
  });

  it('maps other stable codes to clear messages', () => {
    expect(problemMessage(problem('not_enough_seats'))).toBe('Not enough seats are left for that request.');
    expect(problemMessage(problem('invalid_credentials'))).toBe('Wrong e-mail or password.');
    expect(problemMessage(problem('email_taken'))).toMatch(/already exists/);
  });

  it('uses the server detail for codes it does not know', () => {
    expect(problemMessage(problem('something_new'))).toBe('server detail for something_new');
  });

  it('explains network failures', () => {
    expect(problemMessage(new TypeError('Failed to fetch'))).toMatch(/reach the server/);
  });

  it('names appointment times and standing places in their own words', () => {
    expect(problemMessage(problem('seats_unavailable', { unavailable_seat_ids: [5] }), new Map([[5, 'Dr. Rivera 09:30']]), 'appointment')).toBe(
      'Dr. Rivera 09:30 is no longer free. Pick another time.',
    );
    expect(problemMessage(problem('not_enough_seats'), undefined, 'place')).toBe('Not enough places are left for that request.');
    expect(problemMessage(problem('not_enough_seats'))).toBe('Not enough seats are left for that request.');
    expect(problemMessage(problem('invalid_seat_count'), undefined, 'place')).toBe('Hold between 1 and 10 places at a time.');
    expect(problemMessage(problem('standing_by_quantity'))).toBe('Places in a standing area are held by number, not one by one.');
    expect(problemMessage(problem('invalid_time_zone'))).toMatch(/^Enter a time zone from the list/);
  });

  it("shows the service's explanation of a layout it refuses", () => {
    for (const code of ['invalid_slots', 'invalid_section_kind', 'empty_section']) expect(problemMessage(problem(code))).toBe(`server detail for ${code}`);
  });
});

