// Venue time zones: every time Tessera shows is the venue's wall time (the show's IANA `time_zone`),
// labelled with the zone, whatever zone the browser is in; admins enter times in the venue's zone too.

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving the numeric wall-clock fields of an instant in `timeZone` (cached per zone). */
function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallAt(ms: number, timeZone: string): Wall {
  const w: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(ms)) if (p.type !== 'literal') w[p.type] = Number(p.value);
  return { year: w.year, month: w.month, day: w.day, hour: w.hour % 24, minute: w.minute, second: w.second };
}

const wallMs = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `ms` (milliseconds; Lisbon in summer: 3,600,000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallMs(wallAt(whole, timeZone)) - whole;
}

/** Whether `timeZone` is an IANA zone this browser knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The browser's own zone (`Europe/Lisbon`), the default for new shows. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zones to offer in a `<datalist>`: the browser's IANA list (plus `UTC`, which some engines leave out). */
export function timeZoneNames(): string[] {
  const list = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return list.includes('UTC') ? list : [...list, 'UTC'];
}

const WALL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY = 86_400_000;

/**
 * The instant a wall time (`datetime-local` value, "2026-03-29T01:30") names in `timeZone`, or null
 * for a malformed value. DST is handled like `Temporal`'s "compatible" choice: a time that happens
 * twice (clocks go back) is the earlier one; a time that never happens (clocks go forward) is moved
 * forward by the gap (01:30 on Lisbon's spring day is 02:30 summer time).
 */
export function wallTimeToUtc(wall: string, timeZone: string): Date | null {
  const m = WALL_INPUT.exec(wall);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== day) return null; // 31 April and the like
  // The zone's offsets a day either side: a zone changes its offset at most once in such a span.
  const before = zoneOffsetMs(asUtc - DAY, timeZone);
  const after = zoneOffsetMs(asUtc + DAY, timeZone);
  const fits = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((t) => zoneOffsetMs(t, timeZone) === asUtc - t)
    .sort((a, b) => a - b);
  // No offset fits: the wall time falls in a gap; the offset in force before it moves it forward.
  return new Date(fits.length > 0 ? fits[0] : asUtc - before);
}

/** An instant as a `datetime-local` value in `timeZone` ("2026-12-07T08:15"). */
export function utcToWallTime(iso: string | number | Date, timeZone: string): string {
  const w = wallAt(new Date(iso).getTime(), timeZone);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}`;
}

/** The zone's place name for people: `Europe/Lisbon` → "Lisbon", `America/Argentina/Buenos_Aires` → "Buenos Aires"; `UTC` stays. */
export function zoneCity(timeZone: string): string {
  if (!timeZone.includes('/') || timeZone.startsWith('Etc/')) return timeZone.replace(/^Etc\//, '');
  return timeZone.slice(timeZone.lastIndexOf('/') + 1).replace(/_/g, ' ');
}

const abbrFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at that instant, as the browser's locale writes it ("GMT+1", "EST", "WEST"). */
export function zoneAbbreviation(iso: string | number | Date, timeZone: string): string {
  let f = abbrFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone, timeZoneName: 'short' });
    abbrFormats.set(timeZone, f);
  }
  const name = f.formatToParts(new Date(iso)).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return name.replace(/^(GMT|UTC)[+-]0$/, '$1'); // some ICU versions write "GMT+0"
}

/** "(Lisbon, GMT)": the place and the zone's short name at that instant; just "(UTC)" when both are the same. */
export function zoneLabel(iso: string | number | Date, timeZone: string): string {
  const city = zoneCity(timeZone);
  const abbr = zoneAbbreviation(iso, timeZone);
  return city === abbr ? `(${city})` : `(${city}, ${abbr})`;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** ICU puts narrow and thin no-break spaces in times ("9:45\u202fAM"): plain spaces read (and match) the same everywhere. */
const plainSpaces = (s: string) => s.replace(/[\u00a0\u2009\u202f]/g, ' ');

function cached(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = dateTimeFormats.get(key);
  if (!f) dateTimeFormats.set(key, (f = make()));
  return f;
}

/** A date and time at the venue, with the zone: "Mon, Dec 7, 08:15 AM (Lisbon, GMT)" (the browser's locale decides the wording). */
export function formatInZone(iso: string, timeZone: string): string {
  const f = cached(`dt|${timeZone}`, () =>
    new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
  );
  return `${plainSpaces(f.format(new Date(iso)))} ${zoneLabel(iso, timeZone)}`;
}

/** A time of day at the venue, without the zone: "09:30 AM" / "09:30". */
export function formatTimeInZone(iso: string, timeZone: string): string {
  return plainSpaces(cached(`t|${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' })).format(new Date(iso)));
}

/** An appointment's times at the venue, without the zone: "09:30 – 09:45 AM" (en-US), "09:30–09:45" (en-GB). */
export function formatTimeRange(startIso: string, endIso: string, timeZone: string): string {
  const f = cached(`t|${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' }));
  const start = new Date(startIso);
  const end = new Date(endIso);
  return plainSpaces(typeof f.formatRange === 'function' ? f.formatRange(start, end) : `${f.format(start)}–${f.format(end)}`);
}

/** A day at the venue: "Wed, Dec 9". */
export function formatDayInZone(iso: string, timeZone: string): string {
  return plainSpaces(
    cached(`d|${timeZone}`, () => new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short' })).format(new Date(iso)),
  );
}
