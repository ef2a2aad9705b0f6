import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import { AuthProvider } from '../auth';
import { Login } from './Login';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });

describe('Login', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    window.history.replaceState(null, '', '/');
  });

  it('registers, signs in and goes back to the show it was sent from', async () => {
    window.history.replaceState(null, '', '/login?next=%2Fshows%2F3');
    const post = vi.spyOn(api, 'POST').mockImplementation((async (path: string) =>
      path === '/auth/register' ? ok({ id: 1, email: 'fan@example.com' }, 201) : ok({ access_token: 't', expires_in: 3600, role: 'buyer', token_type: 'Bearer' })) as never);
    const user = userEvent.setup();
    render(
      <AuthProvider>
        <Login />
      </AuthProvider>,
    );
    expect(screen.getByText(/you will come straight back to it/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await user.type(screen.getByLabelText('E-mail'), 'fan@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct-horse-1');
    await user.click(screen.getByRole('button', { name: 'Register' }));
    await vi.waitFor(() => expect(window.location.pathname).toBe('/shows/3'));
    expect(post).toHaveBeenCalledWith('/auth/register', { body: { email: 'fan@example.com', password: 'correct-horse-1' } });
  });
});
