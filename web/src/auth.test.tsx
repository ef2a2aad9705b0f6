import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from './api/client';
import { AuthProvider, useAuth } from './auth';

let auth: ReturnType<typeof useAuth>;
function Probe() {
  auth = useAuth();
  return <p data-testid="session">{auth.session ? `${auth.session.email} ${auth.session.role}` : 'none'}</p>;
}

const NOW = new Date('2026-01-01T12:00:00Z').getTime();

describe('AuthProvider', () => {
  beforeEach(() => {
    localStorage.clear();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('keeps the role and expiry from the sign-in answer, and forgets them on sign-out', async () => {
    vi.spyOn(api, 'POST').mockResolvedValue({
      data: { access_token: 'opaque', token_type: 'Bearer', expires_in: 3600, role: 'admin' },
      response: new Response(null, { status: 200 }),
    } as never);
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    expect(screen.getByTestId('session')).toHaveTextContent('none');
    await act(() => auth.login('a@example.com', 'pw'));
    expect(screen.getByTestId('session')).toHaveTextContent('a@example.com admin');
    expect(localStorage.getItem('tessera.token')).toBe('opaque');
    expect(localStorage.getItem('tessera.role')).toBe('admin');
    expect(Number(localStorage.getItem('tessera.expires_at'))).toBe(NOW + 3_600_000);

    act(() => auth.logout());
    expect(screen.getByTestId('session')).toHaveTextContent('none');
    for (const k of ['tessera.token', 'tessera.email', 'tessera.role', 'tessera.expires_at']) expect(localStorage.getItem(k)).toBeNull();
  });

  const stored = (expiresAt: number | null) => {
    localStorage.setItem('tessera.token', 'opaque');
    localStorage.setItem('tessera.email', 'u@example.com');
    localStorage.setItem('tessera.role', 'user');
    if (expiresAt !== null) localStorage.setItem('tessera.expires_at', String(expiresAt));
  };

  it('restores an unexpired session without reading the token', () => {
    stored(NOW + 60_000);
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    expect(screen.getByTestId('session')).toHaveTextContent('u@example.com user');
  });

  it('drops an expired session, or one stored without an expiry', () => {
    for (const expiresAt of [NOW - 1, null]) {
      stored(expiresAt);
      const { unmount } = render(
        <AuthProvider>
          <Probe />
        </AuthProvider>,
      );
      expect(screen.getByTestId('session')).toHaveTextContent('none');
      expect(localStorage.getItem('tessera.token')).toBeNull();
      expect(localStorage.getItem('tessera.role')).toBeNull();
      unmount();
    }
  });
});
