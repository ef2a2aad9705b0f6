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
const EMAIL_KEY = 'tessera.email';

function decodeRole(token: string): { role: string; exp: number } | null {
  try {
    const payload = token.split('.')[1];
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return { role: String(json.role ?? 'user'), exp: Number(json.exp ?? 0) };
  } catch {
    return null;
  }
}

function restore(): Session | null {
  const token = getToken();
  if (!token) return null;
  const claims = decodeRole(token);
  if (!claims || claims.exp * 1000 < Date.now()) {
    setToken(null);
    return null;
  }
  return { token, role: claims.role, email: localStorage.getItem(EMAIL_KEY) ?? '' };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(restore);

  const login = useCallback(async (email: string, password: string) => {
    const tok = unwrap(await api.POST('/auth/login', { body: { email, password } }));
    setToken(tok.access_token);
    localStorage.setItem(EMAIL_KEY, email);
    setSession({ token: tok.access_token, email, role: decodeRole(tok.access_token)?.role ?? 'user' });
  }, []);

  const register = useCallback(
    async (email: string, password: string) => {
      unwrap(await api.POST('/auth/register', { body: { email, password } }));
      await login(email, password);
    },
    [login],
  );

  const logout = useCallback(() => {
    setToken(null);
    localStorage.removeItem(EMAIL_KEY);
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
