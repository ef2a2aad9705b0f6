import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { StandingArea } from '../api/client';
import { clampQuantity, focusStandingPicker, quantityLimit, StandingAreas } from './StandingAreas';

const floor = (available: number): StandingArea => ({ section: 'Floor', category: 'floor', price_cents: 15000, capacity: 2000, available });
const colours = new Map([['floor', '#8ecae6']]);

describe('quantity bounds', () => {
  it('offers 1 to 10 places, never more than are left', () => {
    expect(quantityLimit(2000)).toBe(10);
    expect(quantityLimit(4)).toBe(4);
    expect(quantityLimit(0)).toBe(0);
    expect(quantityLimit(-3)).toBe(0);
    expect(clampQuantity(3, 2000)).toBe(3);
    expect(clampQuantity(8, 5)).toBe(5); // places ran out below what was picked
    expect(clampQuantity(0, 5)).toBe(1);
    expect(clampQuantity(42, 2000)).toBe(10);
    expect(clampQuantity(Number.NaN, 5)).toBe(1);
    expect(clampQuantity(3, 0)).toBe(0);
  });
});

describe('StandingAreas', () => {
  it('shows each area with its price and places left, and holds the number picked', async () => {
    const onHold = vi.fn();
    const user = userEvent.setup();
    render(<StandingAreas areas={[floor(1997)]} colours={colours} canHold cancelled={false} disabled={false} onHold={onHold} />);
    const card = screen.getByRole('region', { name: 'Floor' });
    expect(within(card).getByText('Standing · floor · €150.00 per place')).toBeInTheDocument();
    expect(within(card).getByText('1997 of 2000 places left')).toBeInTheDocument();
    const picker = within(card).getByLabelText('Number of places');
    expect(within(picker).getAllByRole('option')).toHaveLength(10);
    await user.selectOptions(picker, '3');
    expect(within(card).getByText('total €450.00')).toBeInTheDocument();
    await user.click(within(card).getByRole('button', { name: 'Hold 3 places' }));
    expect(onHold).toHaveBeenCalledWith('Floor', 3);
  });

  it('offers no more places than are left, and none when sold out', () => {
    const { rerender } = render(<StandingAreas areas={[floor(2)]} colours={colours} canHold cancelled={false} disabled={false} onHold={() => undefined} />);
    expect(within(screen.getByLabelText('Number of places')).getAllByRole('option').map((o) => o.textContent)).toEqual(['1', '2']);
    rerender(<StandingAreas areas={[floor(0)]} colours={colours} canHold cancelled={false} disabled={false} onHold={() => undefined} />);
    expect(screen.getByText('Sold out')).toBeInTheDocument();
    expect(screen.queryByLabelText('Number of places')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Hold/ })).toBeNull();
  });

  it("brings up an area's picker when the map asks: its quantity, or the card when none is offered", () => {
    const pit: StandingArea = { ...floor(0), section: 'Pit' };
    render(<StandingAreas areas={[floor(50), pit]} colours={colours} canHold cancelled={false} disabled={false} onHold={() => undefined} />);
    expect(focusStandingPicker('Floor')).toBe(true);
    expect(within(screen.getByRole('region', { name: 'Floor' })).getByLabelText('Number of places')).toHaveFocus();
    expect(focusStandingPicker('Pit')).toBe(true);
    expect(screen.getByRole('region', { name: 'Pit' })).toHaveFocus();
    expect(focusStandingPicker('Balcony')).toBe(false);
  });

  it('asks a visitor to sign in, disables Hold while another hold is open, and offers nothing on a cancelled show', () => {
    const { rerender } = render(
      <StandingAreas areas={[floor(50)]} colours={colours} canHold={false} cancelled={false} disabled={false} onHold={() => undefined} />,
    );
    expect(screen.getByRole('link', { name: 'Sign in to hold places' })).toHaveAttribute('href', '/login');
    rerender(<StandingAreas areas={[floor(50)]} colours={colours} canHold cancelled={false} disabled onHold={() => undefined} />);
    expect(screen.getByRole('button', { name: 'Hold 1 place' })).toBeDisabled();
    rerender(<StandingAreas areas={[floor(50)]} colours={colours} canHold cancelled disabled={false} onHold={() => undefined} />);
    expect(screen.queryByText(/places left/)).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
