import { useEffect, useRef, useState } from 'react';
import { formatRemaining } from '../format';

/** Time left until `until`, ticking every 250 ms; calls onExpire once when it reaches zero. */
export function Countdown({ until, onExpire }: { until: string; onExpire?: () => void }) {
  const deadline = Date.parse(until);
  const [now, setNow] = useState(() => Date.now());
  const fired = useRef(false);
  const onExpireRef = useRef(onExpire);
  onExpireRef.current = onExpire;

  useEffect(() => {
    fired.current = false;
    const tick = () => {
      const t = Date.now();
      setNow(t);
      if (t >= deadline && !fired.current) {
        fired.current = true;
        onExpireRef.current?.();
      }
    };
    tick();
    const h = setInterval(tick, 250);
    return () => clearInterval(h);
  }, [deadline]);

  const left = deadline - now;
  return (
    <span className={`countdown${left < 30_000 ? ' countdown-low' : ''}`} role="timer" aria-live="off" data-testid="countdown">
      {formatRemaining(left)}
    </span>
  );
}
