import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isAppRoute, navigate, upgradeHashRoute, useRoute } from './router';

function Probe() {
  const route = useRoute();
  return (
    <>
      <p data-testid="route">{route}</p>
      <a href="/shows/3">Show 3</a>
      <a href="/bookings" target="_blank">New tab</a>
      <a href="/docs">API docs</a>
      <a href="#main">Skip</a>
    </>
  );
}

// Clicks the router leaves alone would make jsdom try (and fail) to load a page: record, then stop them.
let defaultPrevented: boolean[] = [];
const record = (e: MouseEvent) => {
  defaultPrevented.push(e.defaultPrevented);
  e.preventDefault();
};

describe('router', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    window.scrollTo = vi.fn();
    defaultPrevented = [];
    window.addEventListener('click', record);
  });
  afterEach(() => window.removeEventListener('click', record));

  it('knows its own paths', () => {
    for (const p of ['/', '/shows/12', '/bookings', '/bookings/0b9a3c1e-1d7e-4f7a-9a55-3f2c1e0d9b8a', '/login', '/admin']) expect(isAppRoute(p)).toBe(true);
    for (const p of ['/shows/x', '/api/v1/shows', '/docs', '/openapi.json', '/bookings/1/cancel']) expect(isAppRoute(p)).toBe(false);
  });

  it('follows plain left clicks on in-app links without a page load', () => {
    render(<Probe />);
    expect(screen.getByTestId('route')).toHaveTextContent(/^\/$/);
    fireEvent.click(screen.getByText('Show 3'));
    expect(defaultPrevented).toEqual([true]);
    expect(window.location.pathname).toBe('/shows/3');
    expect(screen.getByTestId('route')).toHaveTextContent('/shows/3');
  });

  it('leaves modified, middle, target and foreign-path clicks to the browser', () => {
    render(<Probe />);
    const link = screen.getByText('Show 3');
    fireEvent.click(link, { ctrlKey: true });
    fireEvent.click(link, { metaKey: true });
    fireEvent.click(link, { shiftKey: true });
    fireEvent.click(link, { button: 1 });
    fireEvent.click(screen.getByText('New tab'));
    fireEvent.click(screen.getByText('API docs'));
    fireEvent.click(screen.getByText('Skip'));
    expect(defaultPrevented).toEqual([false, false, false, false, false, false, false]);
    expect(window.location.pathname).toBe('/');
    expect(screen.getByTestId('route')).toHaveTextContent(/^\/$/);
  });

  it('navigates programmatically and follows back/forward', () => {
    render(<Probe />);
    act(() => navigate('/bookings'));
    expect(window.location.pathname).toBe('/bookings');
    expect(screen.getByTestId('route')).toHaveTextContent('/bookings');
    act(() => {
      window.history.replaceState(null, '', '/login'); // what the browser does on back, then tells us
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(screen.getByTestId('route')).toHaveTextContent('/login');
  });

  it('turns an old hash link into its path', () => {
    window.history.replaceState(null, '', '/#/shows/7');
    upgradeHashRoute();
    expect(window.location.pathname).toBe('/shows/7');
    expect(window.location.hash).toBe('');
  });
});
