import { formatInZone } from './timeZone';

/** The currency when the service names none (yet): the sample venues sell in euros. */
export const DEFAULT_CURRENCY = 'EUR';

const ISO_4217 = /^[A-Z]{3}$/;

/**
 * The ISO 4217 code of the first of `sources` (a show, a seat map, a booking) that names one in a
 * `currency` field, else "EUR". Read loosely, so older answers without the field still work.
 */
export function currencyOf(...sources: unknown[]): string {
  for (const s of sources) {
    const c = s && typeof s === 'object' ? (s as { currency?: unknown }).currency : undefined;
    if (typeof c === 'string' && ISO_4217.test(c.toUpperCase())) return c.toUpperCase();
  }
  return DEFAULT_CURRENCY;
}

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

function moneyFormat(currency: string): Intl.NumberFormat | null {
  let f = moneyFormats.get(currency);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      f = null; // a code this browser does not know: written out below
    }
    moneyFormats.set(currency, f);
  }
  return f;
}

/**
 * Digits of the currency's minor unit (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD. Amounts in
 * the API are integers in that unit ("cents").
 */
export function minorDigits(currency: string = DEFAULT_CURRENCY): number {
  return moneyFormat(currency)?.resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount typed in major units ("12.50") as the API's integer minor units (1250; JPY: 12). */
export function toMinorUnits(amount: string | number, currency: string = DEFAULT_CURRENCY): number {
  return Math.round(Number(amount) * 10 ** minorDigits(currency));
}

/**
 * A price in the browser's locale and the show's currency: "€12.00" (en-US), "12,00 €" (pt-PT).
 * One cached formatter per currency: the arena names 18,000 seats with it.
 */
export function formatPrice(cents: number, currency: string = DEFAULT_CURRENCY): string {
  const f = moneyFormat(currency);
  const amount = cents / 10 ** minorDigits(currency);
  // ICU separates the amount and the symbol with a no-break space in some locales: plain spaces read the same.
  return f ? f.format(amount).replace(/[\u00a0\u202f]/g, ' ') : `${amount.toFixed(2)} ${currency}`;
}

/** "€45.00" or "€45.00–€85.00": the lowest and highest of some prices. */
export function formatPriceRange(cents: readonly number[], currency: string = DEFAULT_CURRENCY): string {
  if (cents.length === 0) return '';
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of cents) {
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  return lo === hi ? formatPrice(lo, currency) : `${formatPrice(lo, currency)}–${formatPrice(hi, currency)}`;
}

/** "1 hold", "2 holds"; `plural` defaults to `singular` + "s". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** A booking's status for people: a key (for styling) and the words shown. */
export function bookingStatus(b: { status: string; failure_reason?: string | null }): { key: string; label: string } {
  if (b.status === 'PENDING') return { key: 'held', label: 'held' };
  if (b.status === 'CONFIRMED') return { key: 'confirmed', label: 'confirmed' };
  switch (b.failure_reason) {
    case 'EXPIRED':
      return { key: 'expired', label: 'expired' };
    case 'SHOW_CANCELLED':
      return { key: 'show-cancelled', label: 'Show cancelled' };
    default:
      return { key: 'cancelled', label: 'cancelled' };
  }
}

/**
 * A time as the venue reads it, with the zone: "Mon, Dec 7, 08:15 AM (Lisbon, GMT)". Every time the UI
 * shows is the venue's (the show's `time_zone`), whatever zone the browser is in.
 */
export function formatDateTime(iso: string, timeZone: string): string {
  return formatInZone(iso, timeZone || 'UTC');
}

/** "1:05" for 65 seconds; never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${s.toString().padStart(2, '0')}`;
}

/** How an appointment time's status reads: held or booked by someone is simply "taken". */
export function slotStatusWord(status: string): string {
  switch (status) {
    case 'AVAILABLE':
      return 'free';
    case 'BLOCKED':
      return 'unavailable';
    default:
      return 'taken';
  }
}

/** A standing place's label: the area's name and a number ("Floor 1406"); row seats never have a space before their number. */
const STANDING_LABEL = /^(.+) (\d+)$/;

/**
 * A booking's places for people: seats and appointments by label; places of a standing area, which
 * are not chosen one by one, counted per area ("Floor × 3"). `standingAreas`, when known, limits
 * which labels count as standing places.
 */
export function describePlaces(labels: readonly string[], standingAreas?: ReadonlySet<string>): string {
  // In order of first appearance: a seat's label, or a standing area with its count.
  const parts: { text: string; count?: number }[] = [];
  const areas = new Map<string, { text: string; count?: number }>();
  for (const l of labels) {
    const m = STANDING_LABEL.exec(l);
    if (m && (!standingAreas || standingAreas.has(m[1]))) {
      let area = areas.get(m[1]);
      if (!area) {
        areas.set(m[1], (area = { text: m[1], count: 0 }));
        parts.push(area);
      }
      area.count!++;
    } else parts.push({ text: l });
  }
  return parts.map((p) => (p.count === undefined ? p.text : `${p.text} × ${p.count}`)).join(', ');
}

/** What a show's places are called in "N of M … left": appointments, places (standing areas), or seats. */
export function placesLeft(available: number, total: number, noun: 'seats' | 'places' | 'appointments'): string {
  if (available === 0) return 'Sold out';
  return noun === 'appointments' ? `${available} of ${total} appointments free` : `${available} of ${total} ${noun} left`;
}

const countFormat = new Intl.NumberFormat('en');

/** A standing area's places left as the seat map names them: "1,234 places left", "1 place left", "sold out". */
export function areaPlacesLeft(available: number): string {
  if (available <= 0) return 'sold out';
  return `${countFormat.format(available)} ${available === 1 ? 'place' : 'places'} left`;
}

export function statusWord(status: string): string {
  switch (status) {
    case 'AVAILABLE':
      return 'available';
    case 'HELD':
      return 'held';
    case 'BOOKED':
      return 'booked';
    case 'BLOCKED':
      return 'not for sale';
    default:
      return status.toLowerCase();
  }
}

const listFormat = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });

/** "A1", "A1 and A2", "A1, A2, and A3" (English conjunction list). */
export function formatList(items: readonly string[]): string {
  return listFormat.format(items);
}
