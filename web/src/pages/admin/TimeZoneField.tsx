import { useMemo } from 'react';
import { formatDateTime } from '../../format';
import { browserTimeZone, isValidTimeZone, timeZoneNames, utcToWallTime, wallTimeToUtc, zoneAbbreviation, zoneOffsetMs } from '../../timeZone';

/** A venue time zone field: free text with the browser's IANA zones as suggestions. */
export function TimeZoneInput({ id, value, onChange }: { id: string; value: string; onChange(zone: string): void }) {
  const names = useMemo(() => timeZoneNames(), []);
  const valid = isValidTimeZone(value.trim());
  return (
    <>
      <label>
        Time zone
        <input
          id={id}
          list={`${id}-list`}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required
          autoComplete="off"
          spellCheck={false}
          aria-invalid={valid ? undefined : true}
          aria-describedby={`${id}-help`}
        />
      </label>
      <p id={`${id}-help`} className="muted field-help">
        {valid ? 'The venue’s zone: the start time is entered and shown in it.' : 'Not a known time zone: pick one from the list, such as Europe/Lisbon.'}
      </p>
      <datalist id={`${id}-list`}>
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </>
  );
}

/**
 * What a start time entered in `timeZone` means: the venue's time with its zone, a wall time that the
 * zone skips (clocks going forward) and what it becomes, and the time in the admin's own zone when
 * that is another.
 */
export function startTimeHint(wall: string, timeZone: string, ownZone = browserTimeZone()): string {
  const zone = timeZone.trim();
  if (!isValidTimeZone(zone)) return 'Pick a time zone to see when this is.';
  const at = wallTimeToUtc(wall, zone);
  if (!at) return `Enter the date and time at the venue (${zone}).`;
  const iso = at.toISOString();
  const parts = [`At the venue: ${formatDateTime(iso, zone)}.`];
  const actual = utcToWallTime(iso, zone);
  if (actual !== wall) parts.push(`${wall.slice(11)} does not exist there that day (the clocks go forward), so this is ${actual.slice(11)} ${zoneAbbreviation(iso, zone)}.`);
  if (isValidTimeZone(ownZone) && zoneOffsetMs(at.getTime(), ownZone) !== zoneOffsetMs(at.getTime(), zone)) {
    parts.push(`In your time zone: ${formatDateTime(iso, ownZone)}.`);
  }
  return parts.join(' ');
}

export function StartTimeHint({ id, wall, timeZone }: { id: string; wall: string; timeZone: string }) {
  return (
    <p id={id} className="muted field-help">
      {startTimeHint(wall, timeZone)}
    </p>
  );
}
