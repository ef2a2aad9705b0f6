import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Show } from '../../api/client';
import { toLocalInput } from '../../format';
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
};
const unchanged = { name: 'Dune', startsAt: toLocalInput(show.starts_at), prices: { premium: '18.00', standard: '12.00' } };

describe('showChange', () => {
  it('sends only what changed: the time as RFC 3339 UTC, every price in cents when one changed', () => {
    expect(showChange(show, unchanged)).toEqual({});
    expect(showChange(show, { ...unchanged, name: 'Dune II' })).toEqual({ name: 'Dune II' });
    expect(showChange(show, { ...unchanged, startsAt: toLocalInput('2030-03-02T18:00:00Z') })).toEqual({
      starts_at: '2030-03-02T18:00:00.000Z',
    });
    expect(showChange(show, { ...unchanged, prices: { premium: '18', standard: '14.5' } })).toEqual({
      prices: { premium: 1800, standard: 1450 },
    });
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
