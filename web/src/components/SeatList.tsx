import { useMemo, useState } from 'react';
import type { Seat, SeatState } from '../api/client';
import { formatPrice } from '../format';

/** The available seats as a plain list of checkboxes, grouped by section (alternative to the map). */
export function SeatList({
  seats,
  statuses,
  selected,
  onToggle,
  currency,
}: {
  seats: readonly Seat[];
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  onToggle(id: number): void;
  currency?: string;
}) {
  const sections = useMemo(() => {
    const m = new Map<string, Seat[]>();
    for (const s of seats) {
      let l = m.get(s.section);
      if (!l) m.set(s.section, (l = []));
      l.push(s);
    }
    return [...m];
  }, [seats]);
  const [open, setOpen] = useState<Set<string>>(() => new Set(seats.length <= 500 ? sections.map(([n]) => n) : []));

  return (
    <div className="seat-list">
      {sections.map(([name, list]) => {
        const avail = list.filter((s) => (statuses.get(s.id) ?? s.status) === 'AVAILABLE' || selected.has(s.id));
        const isOpen = open.has(name);
        return (
          <section key={name}>
            <h3>
              <button
                type="button"
                className="linklike"
                aria-expanded={isOpen}
                onClick={() =>
                  setOpen((o) => {
                    const n = new Set(o);
                    if (n.has(name)) n.delete(name);
                    else n.add(name);
                    return n;
                  })
                }
              >
                {isOpen ? '▾' : '▸'} {name} ({avail.length} available)
              </button>
            </h3>
            {isOpen && (
              <ul className="seat-list-items">
                {avail.map((s) => (
                  <li key={s.id}>
                    <label>
                      <input type="checkbox" checked={selected.has(s.id)} onChange={() => onToggle(s.id)} /> {s.label}, {s.category},{' '}
                      {formatPrice(s.price_cents, currency)}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}
