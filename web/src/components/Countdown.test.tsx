import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatRemaining } from '../format';
import { Countdown } from './Countdown';

describe('formatRemaining', () => {
  it('formats minutes and seconds, rounding up and never negative', () => {
    expect(formatRemaining(120_000)).toBe('2:00');
    expect(formatRemaining(65_000)).toBe('1:05');
    expect(formatRemaining(59_001)).toBe('1:00');
    expect(formatRemaining(400)).toBe('0:01');
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(-5000)).toBe('0:00');
  });
});

describe('Countdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('counts down to expires_at and calls onExpire once', () => {
    const onExpire = vi.fn();
    render(<Countdown until="2026-01-01T12:01:05Z" onExpire={onExpire} />);
    const timer = screen.getByRole('timer');
    expect(timer).toHaveTextContent('1:05');
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(timer).toHaveTextContent('1:00');
    expect(onExpire).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(timer).toHaveTextContent('0:00');
    expect(onExpire).toHaveBeenCalledTimes(1);
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('marks the last 30 seconds', () => {
    render(<Countdown until="2026-01-01T12:00:20Z" />);
    expect(screen.getByRole('timer')).toHaveClass('countdown-low');
  });
});
