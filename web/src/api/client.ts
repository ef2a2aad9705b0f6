import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Seat = components['schemas']['Seat'];
export type SeatMap = components['schemas']['SeatMap'];
export type SeatState = components['schemas']['SeatState'];
export type Stage = components['schemas']['Stage'];
export type SeatEvent = components['schemas']['SeatEvent'];
export type StandingArea = components['schemas']['StandingArea'];
export type LayoutRow = components['schemas']['LayoutRow'];
export type NewShow = components['schemas']['NewShow'];
export type Show = components['schemas']['Show'];
export type ShowKind = components['schemas']['ShowKind'];
export type Booking = components['schemas']['Booking'];
export type Layout = components['schemas']['Layout'];
export type NewLayout = components['schemas']['NewLayout'];
export type LayoutSection = components['schemas']['LayoutSection'];
export type Problem = components['schemas']['Problem'];
export type BookingState = components['schemas']['BookingState'];
export type BoxOfficeBooking = components['schemas']['BoxOfficeBooking'];
export type ShowReport = components['schemas']['ShowReportView'];
export type CancelledShow = components['schemas']['CancelledShow'];
export type ShowUpdate = components['schemas']['ShowUpdate'];

export const API_BASE = '/api/v1';

const TOKEN_KEY = 'tessera.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

const authMiddleware: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

function makeBaseUrl(): string {
  // Relative in the browser; jsdom (tests) needs an absolute URL for Request.
  if (typeof window !== 'undefined' && window.location?.origin && window.location.origin !== 'null') {
    return window.location.origin + API_BASE;
  }
  return 'http://localhost' + API_BASE;
}

/** The generated, typed API client (openapi-fetch over the OpenAPI spec). */
export const api = createClient<paths>({ baseUrl: makeBaseUrl() });
api.use(authMiddleware);

/** An API failure: the problem document when the server sent one. */
export class ApiError extends Error {
  constructor(
    public readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || problem.code);
  }
}

/** Unwraps an openapi-fetch result: the data, or throws ApiError with the problem document. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(toProblem(result.error, result.response.status));
  }
  return result.data as T;
}

export function toProblem(error: unknown, status: number): Problem {
  if (error && typeof error === 'object' && 'code' in error) return error as Problem;
  return {
    type: 'about:blank',
    title: 'Request failed',
    status,
    code: status === 0 ? 'network_error' : `http_${status}`,
    detail: typeof error === 'string' && error ? error : `The server answered ${status}.`,
  };
}
