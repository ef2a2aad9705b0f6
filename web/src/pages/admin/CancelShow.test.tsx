import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, type Show, type ShowReport } from '../../api/client';
import { CancelShow, cancelConfirmationText, cancelResultText } from './CancelShow';

const show: Show = {
  id: 7,
  name: 'Dune',
  kind: 'movie',
  starts_at: '2030-01-01T20:00:00Z',
  total_seats: 150,
  available_seats: 120,
  prices: { standard: 1200 },
  created_at: '2026-01-01T00:00:00Z',
  time_zone: 'UTC',
  currency: 'EUR',
};

const report = (confirmed_bookings: number, live_holds: number): ShowReport => ({
  show_id: 7,
  categories: [],
  confirmed_bookings,
  live_holds,
  held_seats: live_holds,
  revenue_cents: 0,
  blocked_seats: [],
  checked_in: 0,
});

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
const problem = (status: number, code: string, detail: string) => ({
  error: { type: 'about:blank', title: 'Conflict', status, code, detail },
  response: new Response(null, { status }),
});

describe('cancelConfirmationText', () => {
  it('says how many confirmed bookings and holds the cancellation takes with it', () => {
    expect(cancelConfirmationText(report(12, 3))).toBe(
      "This cancels 12 confirmed bookings and 3 holds. Buyers' bookings become SHOW_CANCELLED. This cannot be undone.",
    );
    expect(cancelConfirmationText(report(1, 1))).toBe(
      "This cancels 1 confirmed booking and 1 hold. Buyers' bookings become SHOW_CANCELLED. This cannot be undone.",
    );
    expect(cancelConfirmationText(report(0, 2))).toMatch(/^This cancels 0 confirmed bookings and 2 holds\./);
  });

  it('says so when there is nothing to cancel', () => {
    expect(cancelConfirmationText(report(0, 0))).toBe(
      'This show has no confirmed bookings or holds to cancel; it will take no more. This cannot be undone.',
    );
  });
});

describe('cancelResultText', () => {
  it('reports what was cancelled, and lapsed holds only when there were some', () => {
    expect(cancelResultText({ bookings_cancelled: 2, holds_cancelled: 1, holds_expired: 0 })).toBe(
      'Show cancelled: 2 confirmed bookings and 1 hold cancelled.',
    );
    expect(cancelResultText({ bookings_cancelled: 0, holds_cancelled: 0, holds_expired: 3 })).toBe(
      'Show cancelled: 0 confirmed bookings and 0 holds cancelled. 3 holds that had run out were marked expired.',
    );
  });
});

describe('CancelShow', () => {
  afterEach(() => vi.restoreAllMocks());

  it('asks in a dialog with the counts from the report; Escape keeps the show and returns focus', async () => {
    const get = vi.spyOn(api, 'GET').mockResolvedValue(ok(report(12, 3)) as never);
    const post = vi.spyOn(api, 'POST');
    const user = userEvent.setup();
    render(<CancelShow show={show} onCancelled={() => undefined} />);

    const trigger = screen.getByRole('button', { name: 'Cancel show…' });
    await user.click(trigger);
    const dialog = await screen.findByRole('dialog', { name: 'Cancel “Dune”?' });
    expect(get).toHaveBeenCalledWith('/admin/shows/{id}/report', { params: { path: { id: 7 } } });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription(
      "This cancels 12 confirmed bookings and 3 holds. Buyers' bookings become SHOW_CANCELLED. This cannot be undone.",
    );
    // Focus starts on the safe choice and Tab stays inside the dialog.
    const keep = within(dialog).getByRole('button', { name: 'Keep show' });
    expect(keep).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel show' })).toHaveFocus();
    await user.tab();
    expect(keep).toHaveFocus();
    await user.tab({ shift: true });
    expect(within(dialog).getByRole('button', { name: 'Cancel show' })).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(trigger).toHaveFocus();
    expect(post).not.toHaveBeenCalled();
  });

  it('cancels on confirmation and says what was cancelled', async () => {
    vi.spyOn(api, 'GET').mockResolvedValue(ok(report(1, 0)) as never);
    const cancelled = { ...show, cancelled_at: '2026-12-01T10:00:00Z' };
    const post = vi
      .spyOn(api, 'POST')
      .mockResolvedValue(ok({ show: cancelled, bookings_cancelled: 1, holds_cancelled: 0, holds_expired: 0 }) as never);
    const onCancelled = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<CancelShow show={show} onCancelled={onCancelled} />);

    await user.click(screen.getByRole('button', { name: 'Cancel show…' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('This cancels 1 confirmed booking and 0 holds.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel show' }));

    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('Show cancelled: 1 confirmed booking and 0 holds cancelled.');
    expect(status).toHaveFocus();
    expect(post).toHaveBeenCalledWith('/admin/shows/{id}/cancel', { params: { path: { id: 7 } } });
    expect(onCancelled).toHaveBeenCalledWith(expect.objectContaining({ show: cancelled, bookings_cancelled: 1 }));
    expect(screen.queryByRole('dialog')).toBeNull();

    // Once cancelled, the show cannot be cancelled again.
    rerender(<CancelShow show={cancelled} onCancelled={onCancelled} />);
    expect(screen.queryByRole('button', { name: 'Cancel show…' })).toBeNull();
    expect(screen.getByText(/This show was cancelled on/)).toBeInTheDocument();
  });

  it('shows a refusal inside the dialog', async () => {
    vi.spyOn(api, 'GET').mockResolvedValue(ok(report(0, 0)) as never);
    vi.spyOn(api, 'POST').mockResolvedValue(problem(409, 'show_started', 'The show has started.') as never);
    const user = userEvent.setup();
    render(<CancelShow show={show} onCancelled={() => undefined} />);
    await user.click(screen.getByRole('button', { name: 'Cancel show…' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel show' }));
    expect(await within(screen.getByRole('dialog')).findByRole('alert')).toHaveTextContent('This show has already started.');
  });
});
