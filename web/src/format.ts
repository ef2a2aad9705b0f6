export function formatPrice(cents: number): string {
  return (cents / 100).toFixed(2);
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
