import { ApiError, type Problem } from './api/client';
import { formatList } from './format';

/** Seat id → label, to name seats in messages. */
export type SeatLabels = ReadonlyMap<number, string> | ((id: number) => string | undefined);

function label(labels: SeatLabels | undefined, id: number): string {
  const l = typeof labels === 'function' ? labels(id) : labels?.get(id);
  return l ?? `#${id}`;
}

/** What the places of a request are called: seats on a map, places of a standing area, appointment times. */
export type PlaceNoun = 'seat' | 'place' | 'appointment';

/** A clear, human message for an API problem (or any thrown error), naming places as `noun` does. */
export function problemMessage(err: unknown, labels?: SeatLabels, noun: PlaceNoun = 'seat'): string {
  const p: Problem | undefined = err instanceof ApiError ? err.problem : undefined;
  if (!p) {
    if (err instanceof TypeError) return 'Could not reach the server. Check your connection and try again.';
    return err instanceof Error ? err.message : String(err);
  }
  switch (p.code) {
    case 'seats_unavailable': {
      const ids = p.unavailable_seat_ids ?? [];
      if (noun === 'appointment') {
        // An appointment's label already says whose and when ("Dr. Rivera 09:30").
        if (ids.length === 0) return 'Some of those times were just taken. Pick other times.';
        const names = ids.map((id) => label(labels, id));
        return ids.length === 1 ? `${names[0]} is no longer free. Pick another time.` : `${formatList(names)} are no longer free. Pick other times.`;
      }
      if (noun === 'place') return 'Those places were just taken. Try again.';
      if (ids.length === 0) return 'Some of those seats were just taken. Pick other seats.';
      const names = ids.map((id) => label(labels, id));
      return ids.length === 1
        ? `Seat ${names[0]} is no longer available. Pick another seat.`
        : `Seats ${formatList(names)} are no longer available. Pick other seats.`;
    }
    case 'unknown_seats': {
      const ids = p.unknown_seat_ids ?? [];
      return `This show has no seat ${formatList(ids.map((id) => `#${id}`))}. Reload the seat map.`;
    }
    case 'not_enough_seats':
      return `Not enough ${noun === 'appointment' ? 'times' : `${noun}s`} are left for that request.`;
    case 'standing_by_quantity':
      return 'Places in a standing area are held by number, not one by one.';
    case 'unknown_section':
      return 'This show has no such area or section any more. Reload the page.';
    case 'invalid_time_zone':
      return 'Enter a time zone from the list: an IANA name such as Europe/Lisbon.';
    case 'booking_expired':
      return 'Your hold expired and the seats were released. You can try to hold them again.';
    case 'booking_cancelled':
      return 'This booking was cancelled.';
    case 'show_started':
      return 'This show has already started.';
    case 'show_cancelled':
      return 'This show has been cancelled.';
    case 'invalid_credentials':
      return 'Wrong e-mail or password.';
    case 'email_taken':
      return 'An account with this e-mail already exists. Sign in instead.';
    case 'invalid_email':
      return 'Enter a valid e-mail address.';
    case 'invalid_password':
      return 'The password must be 8 to 128 characters.';
    case 'missing_token':
    case 'invalid_token':
      return 'Please sign in (again) to continue.';
    case 'admin_only':
      return 'Only an administrator can do this.';
    case 'invalid_seat_count':
      return `Hold between 1 and 10 ${noun === 'appointment' ? 'appointments' : `${noun}s`} at a time.`;
    case 'service_unavailable':
    case 'service_busy':
      return 'The service is busy right now. Please try again in a moment.';
    default:
      return p.detail || p.title || p.code;
  }
}

export function problemCode(err: unknown): string | undefined {
  return err instanceof ApiError ? err.problem.code : undefined;
}

/** Whether an API failure says the thing asked for does not exist (404, or a `…_not_found` code). */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  return err.problem.status === 404 || /_not_found$/.test(err.problem.code ?? '');
}
