export function formatPrice(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** "1 hold", "2 holds"; `plural` defaults to `singular` + "s". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** An RFC 3339 time as a `datetime-local` input value ("2026-12-07T20:30", local time). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
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

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "1:05" for 65 seconds; never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${s.toString().padStart(2, '0')}`;
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
