import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { api, getToken, setToken, unwrap } from './api/client';

export interface Session {
  token: string;
  email: string;
  role: string;
}

interface AuthValue {
  session: Session | null;
  login(email: string, password: string): Promise<void>;
  register(email: string, password: string): Promise<void>;
  logout(): void;
}

const AuthContext = createContext<AuthValue | null>(null);
// Kept next to the token (api/client.ts) so a reload restores the session. The role and the expiry
// come from the sign-in answer; the browser never reads the token itself.
const EMAIL_KEY = 'tessera.email';
const ROLE_KEY = 'tessera.role';
const EXPIRES_KEY = 'tessera.expires_at'; // ms since the epoch

function clearStored(): void {
  setToken(null);
  try {
    for (const k of [EMAIL_KEY, ROLE_KEY, EXPIRES_KEY]) localStorage.removeItem(k);
  } catch {
    // storage unavailable: nothing was kept
  }
}

function restore(): Session | null {
  const token = getToken();
  if (!token) return null;
  let email: string | null = null;
  let role: string | null = null;
  let expiresAt = NaN;
  try {
    email = localStorage.getItem(EMAIL_KEY);
    role = localStorage.getItem(ROLE_KEY);
    expiresAt = Number(localStorage.getItem(EXPIRES_KEY) ?? NaN);
  } catch {
    // fall through: no usable session
  }
  // Expired, or kept by an older version without role/expiry: sign in again.
  if (!role || !Number.isFinite(expiresAt) || expiresAt <= Date.now()) {
    clearStored();
    return null;
  }
  return { token, role, email: email ?? '' };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(restore);

  const login = useCallback(async (email: string, password: string) => {
    const tok = unwrap(await api.POST('/auth/login', { body: { email, password } }));
    const expiresAt = Date.now() + tok.expires_in * 1000;
    setToken(tok.access_token);
    localStorage.setItem(EMAIL_KEY, email);
    localStorage.setItem(ROLE_KEY, tok.role);
    localStorage.setItem(EXPIRES_KEY, String(expiresAt));
    setSession({ token: tok.access_token, email, role: tok.role });
  }, []);

  const register = useCallback(
    async (email: string, password: string) => {
      unwrap(await api.POST('/auth/register', { body: { email, password } }));
      await login(email, password);
    },
    [login],
  );

  const logout = useCallback(() => {
    clearStored();
    setSession(null);
  }, []);

  const value = useMemo(() => ({ session, login, register, logout }), [session, login, register, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
