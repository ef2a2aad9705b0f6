import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { startTimeHint, TimeZoneInput } from './TimeZoneField';

describe('startTimeHint', () => {
  it("says when the show is at the venue, and in the admin's own zone when that differs", () => {
    expect(startTimeHint('2026-12-07T08:15', 'Europe/Lisbon', 'Europe/Lisbon')).toMatch(/^At the venue: .*08:15 AM \(Lisbon, GMT\)\.$/);
    expect(startTimeHint('2026-12-07T08:15', 'Europe/Lisbon', 'America/New_York')).toMatch(
      /^At the venue: .*08:15 AM \(Lisbon, GMT\)\. In your time zone: .*03:15 AM \(New York, EST\)\.$/,
    );
  });

  it('says a skipped time moves forward, and asks for a zone it does not know', () => {
    expect(startTimeHint('2026-03-29T01:30', 'Europe/Lisbon', 'Europe/Lisbon')).toContain(
      '01:30 does not exist there that day (the clocks go forward), so this is 02:30 GMT+1.',
    );
    expect(startTimeHint('2026-03-29T01:30', 'Nowhere/Else', 'UTC')).toBe('Pick a time zone to see when this is.');
  });
});

describe('TimeZoneInput', () => {
  it('offers the IANA zones and marks a zone it does not know', async () => {
    function Field() {
      const [zone, setZone] = useState('Europe/Lisbon');
      return <TimeZoneInput id="tz" value={zone} onChange={setZone} />;
    }
    const user = userEvent.setup();
    const { container } = render(<Field />);
    const input = screen.getByLabelText('Time zone');
    expect(input).toHaveAccessibleDescription('The venue’s zone: the start time is entered and shown in it.');
    expect(container.querySelector('datalist option[value="Europe/Madrid"]')).not.toBeNull();
    await user.clear(input);
    await user.type(input, 'Europe/Lisbo');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(/^Not a known time zone/);
  });
});
