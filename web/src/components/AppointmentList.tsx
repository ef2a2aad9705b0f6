import { useMemo } from 'react';
import type { Seat, SeatState } from '../api/client';
import { formatPrice, slotStatusWord } from '../format';
import { formatDayInZone, formatTimeInZone, formatTimeRange, zoneLabel } from '../timeZone';

export interface AppointmentListProps {
  /** Appointment slots (seats with `starts_at` and `ends_at`), as loaded. */
  slots: readonly Seat[];
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  colours: ReadonlyMap<string, string>;
  /** The venue's zone: times are shown in it. */
  timeZone: string;
  currency?: string;
  /**
   * `hold`: a tap on a free time holds it at once (signed in); `select`: a tap picks it (signed out,
   * to book after signing in), shown with `aria-pressed`.
   */
  mode?: 'hold' | 'select';
  onPick(id: number): void;
  /** A hold is being asked for, or one waits to be confirmed: times cannot be tapped now. */
  disabled?: boolean;
  /** Which statuses can be picked (default: free times only). */
  selectable?(status: SeatState): boolean;
}

const onlyAvailable = (status: SeatState) => status === 'AVAILABLE';

/** A slot's times at the venue ("09:30 – 09:45 AM"); the label when the map gave no times. */
export function slotTimes(slot: Seat, timeZone: string): string {
  return slot.starts_at && slot.ends_at ? formatTimeRange(slot.starts_at, slot.ends_at, timeZone) : slot.label;
}

/**
 * A time's accessible name, whose and when first: "Dr. Okafor, Tue, Dec 8, 10:15 AM, €35.00";
 * a time that cannot be had says so ("…, taken").
 */
export function slotName(slot: Seat, status: SeatState, timeZone: string, currency?: string): string {
  const when = slot.starts_at ? `${formatDayInZone(slot.starts_at, timeZone)}, ${formatTimeInZone(slot.starts_at, timeZone)}` : slot.label;
  const name = `${slot.section}, ${when}, ${formatPrice(slot.price_cents, currency)}`;
  return status === 'AVAILABLE' ? name : `${name}, ${slotStatusWord(status)}`;
}

/** Slots per practitioner (the slot's section), in map order, each list by start time. */
export function groupSlots(slots: readonly Seat[]): [string, Seat[]][] {
  const groups = new Map<string, Seat[]>();
  for (const s of slots) {
    let g = groups.get(s.section);
    if (!g) groups.set(s.section, (g = []));
    g.push(s);
  }
  for (const g of groups.values()) g.sort((a, b) => (a.starts_at ?? '').localeCompare(b.starts_at ?? '') || a.number - b.number);
  return [...groups];
}

/** An appointment show: per practitioner, the free times as buttons (one tap holds one), taken ones marked. */
export function AppointmentList({
  slots,
  statuses,
  selected,
  colours,
  timeZone,
  currency,
  mode = 'hold',
  onPick,
  disabled = false,
  selectable = onlyAvailable,
}: AppointmentListProps) {
  const groups = useMemo(() => groupSlots(slots), [slots]);
  return (
    <div className="appointments">
      {groups.map(([name, list], gi) => {
        const statusOf = (s: Seat) => statuses.get(s.id) ?? s.status;
        const free = list.filter((s) => statusOf(s) === 'AVAILABLE').length;
        const categories = [...new Map(list.map((s) => [s.category, s.price_cents])).entries()];
        const first = list.find((s) => s.starts_at)?.starts_at;
        const id = `practitioner-${gi}`;
        return (
          <section key={name} className="practitioner" aria-labelledby={`${id}-h`}>
            <h3 id={`${id}-h`}>{name}</h3>
            <p className="practitioner-info">
              {categories.map(([c, cents]) => (
                <span key={c} className="slot-category">
                  <span className="swatch" style={{ backgroundColor: colours.get(c) }} aria-hidden="true" /> {c} · {formatPrice(cents, currency)}
                </span>
              ))}
            </p>
            <p className="muted practitioner-info">
              {first && `${formatDayInZone(first, timeZone)}, times ${zoneLabel(first, timeZone)} · `}
              {free} of {list.length} free
            </p>
            <ul className="slot-list">
              {list.map((s) => {
                const status = statusOf(s);
                const isSelected = selected.has(s.id);
                const canPick = selectable(status) && !disabled;
                return (
                  <li key={s.id}>
                    <button
                      type="button"
                      className={`slot slot-${status.toLowerCase()}${isSelected ? ' slot-selected' : ''}`}
                      style={status === 'AVAILABLE' && !isSelected ? { borderLeftColor: colours.get(s.category) } : undefined}
                      data-seat-id={s.id}
                      aria-label={slotName(s, status, timeZone, currency)}
                      aria-pressed={mode === 'select' ? isSelected : undefined}
                      aria-disabled={canPick ? undefined : true}
                      onClick={() => canPick && onPick(s.id)}
                    >
                      <span aria-hidden="true">
                        {isSelected && '✓ '}
                        {slotTimes(s, timeZone)}
                        {status !== 'AVAILABLE' && <span className="slot-status"> {slotStatusWord(status)}</span>}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
