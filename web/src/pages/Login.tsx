import { useState, type FormEvent } from 'react';
import { useAuth } from '../auth';
import { problemMessage } from '../errors';
import { afterSignIn } from '../pendingSelection';
import { isAppRoute, navigate } from '../router';

export function Login() {
  const { login, register } = useAuth();
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const coming = new URLSearchParams(window.location.search).get('next')?.startsWith('/shows/');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await login(email, password);
      else await register(email, password);
      // Back to where the buyer was (the show, with the seats they picked), else the show list.
      // (A page that asked for signing in in its place, like /bookings, simply shows itself now.)
      if (window.location.pathname === '/login') navigate(afterSignIn(window.location.search, (p) => isAppRoute(p) && p !== '/login'), { replace: true });
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <h1>{mode === 'login' ? 'Sign in' : 'Create an account'}</h1>
      {coming && <p className="muted">Sign in or create an account to hold your pick; you will come straight back to it.</p>}
      <form onSubmit={submit}>
        <label>
          E-mail
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {mode === 'register' && <p className="muted">At least 8 characters.</p>}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Register'}
        </button>
      </form>
      <p>
        {mode === 'login' ? 'No account yet? ' : 'Already registered? '}
        <button type="button" className="linklike" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
          {mode === 'login' ? 'Create an account' : 'Sign in instead'}
        </button>
      </p>
    </div>
  );
}
