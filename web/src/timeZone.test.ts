import { describe, expect, it } from 'vitest';
import { formatDateTime } from './format';
import {
  formatTimeRange,
  isValidTimeZone,
  timeZoneNames,
  utcToWallTime,
  wallTimeToUtc,
  zoneCity,
  zoneLabel,
  zoneOffsetMs,
} from './timeZone';

const H = 3_600_000;
const utc = (wall: string, zone: string) => wallTimeToUtc(wall, zone)?.toISOString();

describe('zoneOffsetMs', () => {
  it("gives the zone's offset at an instant, DST included", () => {
    expect(zoneOffsetMs(Date.parse('2026-12-07T08:15:00Z'), 'Europe/Lisbon')).toBe(0);
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Lisbon')).toBe(H);
    expect(zoneOffsetMs(Date.parse('2026-12-20T19:00:00Z'), 'Europe/Madrid')).toBe(H);
    expect(zoneOffsetMs(Date.parse('2026-12-07T08:15:00Z'), 'America/New_York')).toBe(-5 * H);
    expect(zoneOffsetMs(Date.parse('2026-12-07T08:15:00Z'), 'Asia/Kolkata')).toBe(5.5 * H);
  });
});

describe('wallTimeToUtc', () => {
  it('reads a wall time in the given zone, not the browser’s', () => {
    expect(utc('2026-12-07T08:15', 'Europe/Lisbon')).toBe('2026-12-07T08:15:00.000Z');
    expect(utc('2031-06-01T20:00', 'Europe/Lisbon')).toBe('2031-06-01T19:00:00.000Z');
    expect(utc('2026-12-20T20:00', 'Europe/Madrid')).toBe('2026-12-20T19:00:00.000Z');
    expect(utc('2026-12-07T08:15', 'America/New_York')).toBe('2026-12-07T13:15:00.000Z');
    expect(utc('2026-12-07T08:15', 'UTC')).toBe('2026-12-07T08:15:00.000Z');
    expect(utc('2026-01-01T00:30', 'Pacific/Kiritimati')).toBe('2025-12-31T10:30:00.000Z');
  });

  it('on the day the clocks go forward: times either side, and a skipped time moves forward by the gap', () => {
    // Lisbon, 29 March 2026: 01:00 WET becomes 02:00 WEST.
    expect(utc('2026-03-29T00:59', 'Europe/Lisbon')).toBe('2026-03-29T00:59:00.000Z');
    expect(utc('2026-03-29T01:30', 'Europe/Lisbon')).toBe('2026-03-29T01:30:00.000Z'); // = 02:30 WEST
    expect(utc('2026-03-29T02:00', 'Europe/Lisbon')).toBe('2026-03-29T01:00:00.000Z');
    expect(utc('2026-03-29T09:00', 'Europe/Lisbon')).toBe('2026-03-29T08:00:00.000Z');
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT.
    expect(utc('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z'); // = 03:30 EDT
    expect(utc('2026-03-08T03:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
  });

  it('on the day the clocks go back: a time that happens twice is the earlier one', () => {
    // Lisbon, 25 October 2026: 02:00 WEST becomes 01:00 WET, so 01:30 happens at 00:30Z and 01:30Z.
    expect(utc('2026-10-25T01:30', 'Europe/Lisbon')).toBe('2026-10-25T00:30:00.000Z');
    expect(utc('2026-10-25T02:30', 'Europe/Lisbon')).toBe('2026-10-25T02:30:00.000Z');
    expect(utc('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });

  it('refuses what is not a wall time', () => {
    expect(wallTimeToUtc('', 'UTC')).toBeNull();
    expect(wallTimeToUtc('2026-02-30T10:00', 'UTC')).toBeNull();
    expect(wallTimeToUtc('2026-12-07 08:15', 'UTC')).toBeNull();
    expect(wallTimeToUtc('2026-12-07T24:00', 'UTC')).toBeNull();
  });

  it('round-trips with utcToWallTime', () => {
    for (const [iso, zone] of [
      ['2026-12-07T08:15:00Z', 'Europe/Lisbon'],
      ['2026-07-15T23:45:00Z', 'Europe/Madrid'],
      ['2026-03-08T07:30:00Z', 'America/New_York'],
      ['2026-10-25T00:30:00Z', 'Europe/Lisbon'],
    ]) {
      expect(wallTimeToUtc(utcToWallTime(iso, zone), zone)?.getTime()).toBe(Date.parse(iso));
    }
    expect(utcToWallTime('2026-07-15T23:45:00Z', 'Europe/Madrid')).toBe('2026-07-16T01:45');
  });
});

describe('zone names', () => {
  it('names the place of a zone', () => {
    expect(zoneCity('Europe/Lisbon')).toBe('Lisbon');
    expect(zoneCity('America/Argentina/Buenos_Aires')).toBe('Buenos Aires');
    expect(zoneCity('UTC')).toBe('UTC');
    expect(zoneCity('Etc/UTC')).toBe('UTC');
  });

  it('labels a time with the place and the zone’s short name at that instant', () => {
    expect(zoneLabel('2026-12-07T08:15:00Z', 'Europe/Lisbon')).toBe('(Lisbon, GMT)');
    expect(zoneLabel('2026-07-07T08:15:00Z', 'Europe/Lisbon')).toBe('(Lisbon, GMT+1)');
    expect(zoneLabel('2026-12-07T08:15:00Z', 'America/New_York')).toBe('(New York, EST)');
    expect(zoneLabel('2026-12-07T08:15:00Z', 'UTC')).toBe('(UTC)');
  });

  it('knows valid zones and lists them with UTC', () => {
    expect(isValidTimeZone('Europe/Lisbon')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(timeZoneNames()).toContain('UTC');
    expect(timeZoneNames()).toContain('Europe/Madrid');
  });
});

describe('formatting at the venue', () => {
  it('shows the venue’s wall time with its zone, whatever the browser’s zone', () => {
    const coach = formatDateTime('2026-12-07T08:15:00Z', 'Europe/Lisbon');
    expect(coach).toMatch(/08:15/);
    expect(coach).toMatch(/\(Lisbon, GMT\)$/);
    // 19:00 UTC is 20:00 in Madrid.
    expect(formatDateTime('2026-12-20T19:00:00Z', 'Europe/Madrid')).toMatch(/08:00\sPM \(Madrid, GMT\+1\)$/);
  });

  it('gives an appointment’s start and end at the venue', () => {
    // The locale's own way of writing a range (tests run in en-US).
    expect(formatTimeRange('2026-12-09T09:30:00Z', '2026-12-09T09:45:00Z', 'Europe/Lisbon')).toMatch(/^9:30\s–\s9:45\sAM$/);
    expect(formatTimeRange('2026-12-09T09:30:00Z', '2026-12-09T09:45:00Z', 'Europe/Madrid')).toMatch(/^10:30\s–\s10:45\sAM$/);
    expect(formatTimeRange('2026-12-09T11:45:00Z', '2026-12-09T12:00:00Z', 'Europe/Lisbon')).toMatch(/^11:45\sAM\s–\s12:00\sPM$/);
  });
});
