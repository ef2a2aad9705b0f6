import { memo, useCallback, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { Seat, SeatState } from '../api/client';
import { formatPrice, statusWord } from '../format';

export interface SeatMapProps {
  /** The seats' static data (label, position, category, price), as loaded. */
  seats: readonly Seat[];
  /** Live status per seat id (falls back to the seat's loaded status). */
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  colours: ReadonlyMap<string, string>;
  onToggle(id: number): void;
  /** Initial seat size in px (defaults by venue size); the zoom buttons change it. */
  seatSize?: number;
  /** Which statuses can be selected (default: available seats only). */
  selectable?(status: SeatState): boolean;
}

const onlyAvailable = (status: SeatState) => status === 'AVAILABLE';

/** Wheelchair spaces and aisle seats say so: `features` from the seat map. */
function featureWords(seat: Seat): string {
  const words = [];
  if (seat.features?.includes('wheelchair')) words.push('wheelchair space');
  if (seat.features?.includes('aisle')) words.push('aisle');
  return words.map((w) => `, ${w}`).join('');
}

export function seatName(seat: Seat, status: SeatState): string {
  return `Seat ${seat.label}${featureWords(seat)}, ${seat.category}, ${formatPrice(seat.price_cents)}, ${statusWord(status)}`;
}

const SYMBOL: Record<SeatState, string> = { AVAILABLE: '', HELD: '◐', BOOKED: '✕', BLOCKED: '⊘' };

interface SeatButtonProps {
  seat: Seat;
  status: SeatState;
  selected: boolean;
  selectable: boolean;
  focusable: boolean;
  colour: string;
  left: number;
  top: number;
  size: number;
  showNumber: boolean;
}

const SeatButton = memo(function SeatButton(p: SeatButtonProps) {
  const { seat, status, selected } = p;
  const available = status === 'AVAILABLE';
  const wheelchair = seat.features?.includes('wheelchair') ?? false;
  return (
    <button
      type="button"
      className={`seat seat-${status.toLowerCase()}${selected ? ' seat-selected' : ''}`}
      style={{
        left: p.left,
        top: p.top,
        width: p.size - 3,
        height: p.size - 3,
        backgroundColor: available ? p.colour : undefined,
        fontSize: Math.max(8, Math.floor(p.size * 0.42)),
      }}
      data-seat-id={seat.id}
      aria-label={seatName(seat, status)}
      aria-pressed={selected}
      aria-disabled={p.selectable ? undefined : true}
      tabIndex={p.focusable ? 0 : -1}
    >
      <span aria-hidden="true">
        {selected ? '✓' : available ? (wheelchair ? '♿' : p.showNumber ? seat.number : '') : SYMBOL[status]}
      </span>
    </button>
  );
});

interface Structure {
  /** Rows in drawing order (by y), each a list of seat ids by x. */
  rows: number[][];
  /** The y of each of `rows`. */
  rowYs: number[];
  /** seat id → [row index, index in row] */
  pos: Map<number, [number, number]>;
  byId: Map<number, Seat>;
  width: number;
  height: number;
  sections: { name: string; y: number }[];
  rowLabels: { key: string; label: string; x: number; y: number }[];
}

const LABEL_COLS = 1.6;

export function buildStructure(seats: readonly Seat[]): Structure {
  const byId = new Map<number, Seat>();
  const byY = new Map<number, Seat[]>();
  const sectionTop = new Map<string, number>();
  const rowFirst = new Map<string, Seat>();
  let maxX = 0;
  let maxY = 0;
  for (const s of seats) {
    byId.set(s.id, s);
    let r = byY.get(s.y);
    if (!r) byY.set(s.y, (r = []));
    r.push(s);
    maxX = Math.max(maxX, s.x);
    maxY = Math.max(maxY, s.y);
    const top = sectionTop.get(s.section);
    if (top === undefined || s.y < top) sectionTop.set(s.section, s.y);
    const rk = `${s.section}\u0000${s.row}`;
    const f = rowFirst.get(rk);
    if (!f || s.x < f.x) rowFirst.set(rk, s);
  }
  const ys = [...byY.keys()].sort((a, b) => a - b);
  const rows = ys.map((y) => byY.get(y)!.sort((a, b) => a.x - b.x).map((s) => s.id));
  const pos = new Map<number, [number, number]>();
  rows.forEach((r, ri) => r.forEach((id, ci) => pos.set(id, [ri, ci])));
  return {
    rows,
    rowYs: ys,
    pos,
    byId,
    width: maxX + 1 + LABEL_COLS,
    height: maxY + 2,
    sections: [...sectionTop].map(([name, y]) => ({ name, y })),
    rowLabels: [...rowFirst].map(([key, s]) => ({ key, label: s.row, x: s.x, y: s.y })),
  };
}

/** The next seat for an arrow / Home / End key, or undefined. */
export function moveFocus(st: Structure, from: number, key: string): number | undefined {
  const p = st.pos.get(from);
  if (!p) return undefined;
  const [ri, ci] = p;
  const row = st.rows[ri];
  switch (key) {
    case 'ArrowLeft':
      return row[ci - 1];
    case 'ArrowRight':
      return row[ci + 1];
    case 'Home':
      return row[0];
    case 'End':
      return row[row.length - 1];
    case 'ArrowUp':
    case 'ArrowDown': {
      const target = st.rows[ri + (key === 'ArrowUp' ? -1 : 1)];
      if (!target) return undefined;
      const x = st.byId.get(from)!.x;
      let best = target[0];
      let bestD = Infinity;
      for (const id of target) {
        const d = Math.abs(st.byId.get(id)!.x - x);
        if (d < bestD) {
          bestD = d;
          best = id;
        }
      }
      return best;
    }
    default:
      return undefined;
  }
}

/** Seat sizes (px) the zoom buttons step through. Below 20 px seat numbers are hidden. */
export const ZOOM_STEPS = [8, 12, 16, 22, 30, 40] as const;

/** The map; memoised, so a page re-rendering for other reasons (a standing area's places left) skips its thousands of seats. */
export const SeatMap = memo(function SeatMap({ seats, statuses, selected, colours, onToggle, seatSize, selectable = onlyAvailable }: SeatMapProps) {
  const st = useMemo(() => buildStructure(seats), [seats]);
  const [size, setSize] = useState<number>(seatSize ?? (seats.length > 2000 ? 22 : 30));
  const zoomIn = ZOOM_STEPS.find((z) => z > size);
  const zoomOut = [...ZOOM_STEPS].reverse().find((z) => z < size);
  const rowH = size;
  const ref = useRef<HTMLDivElement>(null);
  const [focusId, setFocusId] = useState<number | undefined>(undefined);

  const statusOf = (s: Seat) => statuses.get(s.id) ?? s.status;
  // The one seat in the tab order (roving tabindex): the last focused, else the first available.
  const rovingId = useMemo(() => {
    if (focusId !== undefined && st.byId.has(focusId)) return focusId;
    for (const r of st.rows) for (const id of r) if ((statuses.get(id) ?? st.byId.get(id)!.status) === 'AVAILABLE') return id;
    return st.rows[0]?.[0];
  }, [focusId, st, statuses]);

  const seatFromEvent = (target: EventTarget | null): number | undefined => {
    const el = (target as HTMLElement | null)?.closest?.('[data-seat-id]');
    return el ? Number(el.getAttribute('data-seat-id')) : undefined;
  };

  const onClick = useCallback(
    (e: MouseEvent) => {
      const id = seatFromEvent(e.target);
      if (id === undefined) return;
      setFocusId(id);
      const seat = st.byId.get(id);
      if (seat && selectable(statuses.get(id) ?? seat.status)) onToggle(id);
    },
    [st, statuses, onToggle, selectable],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      const id = seatFromEvent(e.target);
      if (id === undefined) return;
      const next = moveFocus(st, id, e.key);
      if (next === undefined) {
        if (e.key.startsWith('Arrow')) e.preventDefault();
        return;
      }
      e.preventDefault();
      setFocusId(next);
      const el = ref.current?.querySelector<HTMLElement>(`[data-seat-id="${next}"]`);
      el?.focus();
    },
    [st],
  );

  return (
    <>
      <div className="zoom" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomOut && setSize(zoomOut)} disabled={!zoomOut} aria-label="Zoom out">
          −
        </button>
        <output aria-live="polite">{Math.round((size / 30) * 100)}%</output>
        <button type="button" onClick={() => zoomIn && setSize(zoomIn)} disabled={!zoomIn} aria-label="Zoom in">
          +
        </button>
      </div>
      <div className="seatmap-scroll">
        <div
          ref={ref}
          className="seatmap"
          role="group"
          aria-label="Seat map. Use the arrow keys to move between seats, Enter or Space to select."
          style={{ width: st.width * size, height: st.height * rowH }}
          onClick={onClick}
          onKeyDown={onKeyDown}
        >
          {st.sections.map((s) => (
            <div key={`sec-${s.name}`} className="section-label" aria-hidden="true" style={{ top: s.y * rowH, left: 0 }}>
              {s.name}
            </div>
          ))}
          {st.rowLabels.map((r) => (
            <div
              key={`row-${r.key}`}
              className="row-label"
              aria-hidden="true"
              style={{ top: (r.y + 1) * rowH, left: (r.x + LABEL_COLS - 1.5) * size, width: size * 1.4, height: rowH - 3, fontSize: Math.max(9, Math.floor(size * 0.4)) }}
            >
              {r.label}
            </div>
          ))}
          {st.rows.map((ids, ri) => (
            // One positioned strip per row with content-visibility: auto, so the browser skips style,
            // layout and paint for rows scrolled out of view (big venues).
            <div key={st.rowYs[ri]} className="seat-row" style={{ top: (st.rowYs[ri] + 1) * rowH, height: rowH, width: st.width * size }}>
              {ids.map((id) => {
                const s = st.byId.get(id)!;
                return (
                  <SeatButton
                    key={id}
                    seat={s}
                    status={statusOf(s)}
                    selected={selected.has(id)}
                    selectable={selectable(statusOf(s))}
                    focusable={id === rovingId}
                    colour={colours.get(s.category) ?? '#ddd'}
                    left={(s.x + LABEL_COLS) * size}
                    top={0}
                    size={size}
                    showNumber={size >= 20}
                  />
                );
              })}
            </div>
          ))}
        </div>
      </div>
    </>
  );
});

export function Legend({ colours, prices }: { colours: ReadonlyMap<string, string>; prices: Record<string, number> }) {
  return (
    <ul className="legend" aria-label="Legend">
      {[...colours].map(([cat, colour]) => (
        <li key={cat}>
          <span className="swatch" style={{ backgroundColor: colour }} aria-hidden="true" /> {cat}
          {prices[cat] !== undefined ? ` – ${formatPrice(prices[cat])}` : ''}
        </li>
      ))}
      <li>
        <span className="swatch seat-selected" aria-hidden="true">✓</span> selected
      </li>
      <li>
        <span className="swatch seat-held" aria-hidden="true">◐</span> held
      </li>
      <li>
        <span className="swatch seat-booked" aria-hidden="true">✕</span> booked
      </li>
      <li>
        <span className="swatch seat-blocked" aria-hidden="true">⊘</span> not for sale
      </li>
      <li>
        <span className="swatch" aria-hidden="true">♿</span> wheelchair space
      </li>
    </ul>
  );
}
