import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Show } from '../../api/client';
import { utcToWallTime } from '../../timeZone';
import { ShowEditor, showChange } from './ShowEditor';

const show: Show = {
  id: 5,
  name: 'Dune',
  kind: 'movie',
  starts_at: '2030-03-01T19:30:00Z',
  total_seats: 150,
  available_seats: 150,
  prices: { premium: 1800, standard: 1200 },
  created_at: '2026-01-01T00:00:00Z',
  time_zone: 'UTC',
  currency: 'EUR',
};
const unchanged = { name: 'Dune', timeZone: 'UTC', startsAt: '2030-03-01T19:30', prices: { premium: '18.00', standard: '12.00' } };
const lisbon: Show = { ...show, time_zone: 'Europe/Lisbon', starts_at: '2030-07-01T18:30:00Z' };
const lisbonDraft = { ...unchanged, timeZone: 'Europe/Lisbon', startsAt: '2030-07-01T19:30' };

describe('showChange', () => {
  it('sends only what changed: the time as RFC 3339 UTC, every price in cents when one changed', () => {
    expect(showChange(show, unchanged)).toEqual({});
    expect(showChange(show, { ...unchanged, name: 'Dune II' })).toEqual({ name: 'Dune II' });
    expect(showChange(show, { ...unchanged, startsAt: utcToWallTime('2030-03-02T18:00:00Z', 'UTC') })).toEqual({
      starts_at: '2030-03-02T18:00:00.000Z',
    });
    expect(showChange(show, { ...unchanged, prices: { premium: '18', standard: '14.5' } })).toEqual({
      prices: { premium: 1800, standard: 1450 },
    });
  });

  it("reads the start time in the show's zone, whatever the browser's zone", () => {
    // Lisbon in July is UTC+1: the form shows 19:30 for 18:30 UTC, and 21:00 there is 20:00 UTC.
    expect(utcToWallTime(lisbon.starts_at, lisbon.time_zone)).toBe('2030-07-01T19:30');
    expect(showChange(lisbon, lisbonDraft)).toEqual({});
    expect(showChange(lisbon, { ...lisbonDraft, startsAt: '2030-07-01T21:00' })).toEqual({ starts_at: '2030-07-01T20:00:00.000Z' });
    // In winter Lisbon is on UTC.
    expect(showChange(lisbon, { ...lisbonDraft, startsAt: '2030-12-01T21:00' })).toEqual({ starts_at: '2030-12-01T21:00:00.000Z' });
  });

  it('a new zone keeps the wall time on the form: the show moves to that time in the new zone', () => {
    // 19:30 in Madrid (UTC+2 in July) is 17:30 UTC.
    expect(showChange(lisbon, { ...lisbonDraft, timeZone: 'Europe/Madrid' })).toEqual({
      time_zone: 'Europe/Madrid',
      starts_at: '2030-07-01T17:30:00.000Z',
    });
    // A zone with the same offset then: only the zone changes (the instant stays).
    expect(showChange(lisbon, { ...lisbonDraft, timeZone: 'Europe/London' })).toEqual({ time_zone: 'Europe/London' });
    expect(showChange(lisbon, { ...lisbonDraft, timeZone: 'Mars/Olympus' })).toMatch(/^Enter a time zone from the list/);
  });

  it('refuses a price that is not a number', () => {
    expect(showChange(show, { ...unchanged, prices: { premium: '', standard: '12' } })).toBe('Enter a price for premium.');
  });
});

describe('ShowEditor', () => {
  afterEach(() => vi.restoreAllMocks());

  it('saves the changes and reports the new name', async () => {
    const patch = vi
      .spyOn(api, 'PATCH')
      .mockResolvedValue({ data: { ...show, name: 'Dune II', prices: { premium: 1800, standard: 1450 } }, response: new Response(null) } as never);
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<ShowEditor show={show} onSaved={onSaved} />);
    expect(screen.getByLabelText('Price for standard')).toHaveValue(12);
    expect(screen.getByLabelText('Time zone')).toHaveValue('UTC');
    expect(screen.getByLabelText('Starts at')).toHaveValue('2030-03-01T19:30');
    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'Dune II');
    await user.clear(screen.getByLabelText('Price for standard'));
    await user.type(screen.getByLabelText('Price for standard'), '14.50');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved “Dune II”.');
    expect(patch).toHaveBeenCalledWith('/admin/shows/{id}', {
      params: { path: { id: 5 } },
      body: { name: 'Dune II', prices: { premium: 1800, standard: 1450 } },
    });
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: 'Dune II' }));
  });

  it("shows the API's explanation when the change is refused", async () => {
    vi.spyOn(api, 'PATCH').mockResolvedValue({
      error: {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        code: 'starts_in_past',
        detail: 'A show can only be moved to a time in the future.',
      },
      response: new Response(null, { status: 422 }),
    } as never);
    const user = userEvent.setup();
    render(<ShowEditor show={show} onSaved={() => undefined} />);
    await user.clear(screen.getByLabelText('Starts at'));
    await user.type(screen.getByLabelText('Starts at'), '2020-01-01T10:00');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A show can only be moved to a time in the future.');
  });
});
