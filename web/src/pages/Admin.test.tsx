import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Layout } from '../api/client';
import { browserTimeZone } from '../timeZone';
import { ShowCreator } from './Admin';

const layout: Layout = { id: 3, name: 'Clinic', seat_count: 24, categories: ['consultation'], sections: [], created_at: '2026-01-01T00:00:00Z' };
const ok = (data: unknown) => ({ data, response: new Response(null, { status: 201 }) });

describe('ShowCreator', () => {
  afterEach(() => vi.restoreAllMocks());

  it("takes the venue's time zone (the browser's by default) and reads the start in it, DST included", async () => {
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok({ id: 40, name: 'Night clinic' }) as never);
    const user = userEvent.setup();
    render(<ShowCreator layouts={[layout]} reload={() => undefined} />);
    const zone = screen.getByLabelText('Time zone');
    expect(zone).toHaveValue(browserTimeZone());

    await user.type(screen.getByLabelText('Show name'), 'Night clinic');
    await user.clear(zone);
    await user.type(zone, 'America/New_York');
    const start = screen.getByLabelText('Starts at');
    await user.clear(start);
    // 02:30 does not happen in New York on 8 March 2026 (02:00 EST → 03:00 EDT): it is 03:30 EDT.
    await user.type(start, '2026-03-08T02:30');
    expect(start).toHaveAccessibleDescription(/does not exist there that day \(the clocks go forward\), so this is 03:30 EDT\./);
    await user.type(screen.getByLabelText('Price for consultation'), '60');
    await user.click(screen.getByRole('button', { name: 'Create show' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Created show Night clinic.');
    expect(post).toHaveBeenCalledWith('/admin/shows', {
      body: {
        name: 'Night clinic',
        kind: 'movie',
        time_zone: 'America/New_York',
        currency: 'EUR',
        starts_at: '2026-03-08T07:30:00.000Z',
        layout_id: 3,
        prices: { consultation: 6000 },
      },
    });
  });

  it("prices a show in the currency it names, in that currency's minor units", async () => {
    const post = vi.spyOn(api, 'POST').mockResolvedValue(ok({ id: 41, name: 'Tokyo night' }) as never);
    const user = userEvent.setup();
    render(<ShowCreator layouts={[layout]} reload={() => undefined} />);
    await user.type(screen.getByLabelText('Show name'), 'Tokyo night');
    const currency = screen.getByLabelText('Currency');
    expect(currency).toHaveValue('EUR');
    await user.clear(currency);
    await user.type(currency, 'xyz');
    await user.type(screen.getByLabelText('Price for consultation'), '1500');
    await user.click(screen.getByRole('button', { name: 'Create show' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter a currency from the list');
    expect(post).not.toHaveBeenCalled();
    await user.clear(currency);
    await user.type(currency, 'jpy');
    expect(screen.getByRole('group', { name: 'Prices (JPY)' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create show' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Created show Tokyo night.');
    const body = (post.mock.calls[0][1] as { body: { currency: string; prices: Record<string, number> } }).body;
    expect([body.currency, body.prices]).toEqual(['JPY', { consultation: 1500 }]);
  });

  it('refuses a zone it does not know before asking the service', async () => {
    const post = vi.spyOn(api, 'POST');
    const user = userEvent.setup();
    render(<ShowCreator layouts={[layout]} reload={() => undefined} />);
    await user.type(screen.getByLabelText('Show name'), 'X');
    await user.clear(screen.getByLabelText('Time zone'));
    await user.type(screen.getByLabelText('Time zone'), 'Lisbon');
    await user.type(screen.getByLabelText('Price for consultation'), '60');
    await user.click(screen.getByRole('button', { name: 'Create show' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter a time zone from the list');
    expect(post).not.toHaveBeenCalled();
  });

  it('asks a price for the categories of standing and slots sections too', () => {
    const clinic: Layout = {
      ...layout,
      categories: [], // what the service lists for a layout of slots only
      sections: [
        { name: 'Dr. Rivera', category: 'consultation', slots: { from: '09:00', to: '12:00', minutes: 15 } },
        { name: 'Floor', category: 'floor', standing: 100 },
      ],
    };
    render(<ShowCreator layouts={[clinic]} reload={() => undefined} />);
    expect(screen.getByLabelText('Price for consultation')).toBeInTheDocument();
    expect(screen.getByLabelText('Price for floor')).toBeInTheDocument();
    expect(screen.getByText('This layout has appointment slots: they fall on this day, at their times in this time zone.')).toBeInTheDocument();
  });
});

