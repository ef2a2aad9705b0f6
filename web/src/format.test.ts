import { describe, expect, it } from 'vitest';
import {
  areaPlacesLeft,
  currencyOf,
  describePlaces,
  formatPrice,
  formatPriceRange,
  minorDigits,
  placesLeft,
  slotStatusWord,
  toMinorUnits,
} from './format';

describe('describePlaces', () => {
  it('keeps seat and appointment labels, and counts standing places per area', () => {
    expect(describePlaces(['A4', 'A5'])).toBe('A4, A5');
    expect(describePlaces(['L1-75', 'L1-76'])).toBe('L1-75, L1-76');
    expect(describePlaces(['Dr. Rivera 09:30'])).toBe('Dr. Rivera 09:30');
    expect(describePlaces(['Floor 1406', 'Floor 1413', 'Floor 1414'])).toBe('Floor × 3');
    expect(describePlaces(['Front pit 3', 'Floor 7', 'Front pit 9'])).toBe('Front pit × 2, Floor × 1');
  });

  it('counts only the areas named, when they are known', () => {
    expect(describePlaces(['Floor 1', 'Row 12'], new Set(['Floor']))).toBe('Floor × 1, Row 12');
  });
});

describe('placesLeft', () => {
  it('says what is left in the words of the show', () => {
    expect(placesLeft(12, 150, 'seats')).toBe('12 of 150 seats left');
    expect(placesLeft(1997, 20000, 'places')).toBe('1997 of 20000 places left');
    expect(placesLeft(3, 24, 'appointments')).toBe('3 of 24 appointments free');
    expect(placesLeft(0, 24, 'appointments')).toBe('Sold out');
  });

  it("names a standing area's places left on the map, with thousands separated", () => {
    expect(areaPlacesLeft(1234)).toBe('1,234 places left');
    expect(areaPlacesLeft(1)).toBe('1 place left');
    expect(areaPlacesLeft(0)).toBe('sold out');
  });

  it('calls held and booked appointment times taken', () => {
    expect(['AVAILABLE', 'HELD', 'BOOKED', 'BLOCKED'].map(slotStatusWord)).toEqual(['free', 'taken', 'taken', 'unavailable']);
  });
});

describe('formatPrice / currencyOf', () => {
  it("writes a price in the browser's locale and the show's currency", () => {
    expect(formatPrice(1200)).toBe('€12.00'); // EUR until the service names a currency
    expect(formatPrice(2350, 'EUR')).toBe('€23.50');
    expect(formatPrice(4500, 'USD')).toBe('$45.00');
    expect(formatPrice(150000, 'GBP')).toBe('£1,500.00');
    // Amounts are in the currency's minor unit: yen have none, dinars have three digits.
    expect(formatPrice(1200, 'JPY')).toBe('¥1,200');
    expect(formatPrice(1234, 'KWD')).toMatch(/1\.234/);
    expect(formatPrice(1200, 'XXQ')).toMatch(/^(XXQ\s?12\.00|12\.00 XXQ)$/); // a code the browser does not know still reads
  });

  it("converts typed prices to the API's minor units, by currency", () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('KWD')]).toEqual([2, 0, 3]);
    expect(toMinorUnits('12.50', 'EUR')).toBe(1250);
    expect(toMinorUnits('1200', 'JPY')).toBe(1200);
    expect(toMinorUnits('1.234', 'KWD')).toBe(1234);
  });

  it('takes the first currency named by a show, a seat map or a booking, else EUR', () => {
    expect(currencyOf(undefined, null, {})).toBe('EUR');
    expect(currencyOf({ currency: 'usd' })).toBe('USD');
    expect(currencyOf({ name: 'x' }, { currency: 'GBP' }, { currency: 'USD' })).toBe('GBP');
    expect(currencyOf({ currency: 'euros' }, { currency: 7 })).toBe('EUR');
  });

  it('writes a range of prices from the lowest to the highest', () => {
    expect(formatPriceRange([8500])).toBe('€85.00');
    expect(formatPriceRange([8500, 4500, 8500])).toBe('€45.00–€85.00');
    expect(formatPriceRange([])).toBe('');
  });
});
