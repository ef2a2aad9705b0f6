import { describe, expect, it } from 'vitest';
import { describePlaces, placesLeft, slotStatusWord } from './format';

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

  it('calls held and booked appointment times taken', () => {
    expect(['AVAILABLE', 'HELD', 'BOOKED', 'BLOCKED'].map(slotStatusWord)).toEqual(['free', 'taken', 'taken', 'unavailable']);
  });
});
