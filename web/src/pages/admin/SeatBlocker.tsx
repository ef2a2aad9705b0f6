import { useMemo, useState, type FormEvent } from 'react';
import { api, unwrap, type SeatState } from '../../api/client';
import { categoryColours } from '../../components/categories';
import { Legend, SeatMap } from '../../components/SeatMap';
import { problemCode, problemMessage } from '../../errors';
import { formatList } from '../../format';
import { useLiveSeatMap } from '../../liveSeats';

const blockable = (status: SeatState) => status === 'AVAILABLE' || status === 'BLOCKED';

/** "Seat A5 is held or sold, so it cannot be blocked." for a refused block (all or none). */
export function blockRefusedMessage(labels: string[]): string {
  if (labels.length === 0) return 'Some of those seats are held or sold, so they cannot be blocked. Nothing was blocked.';
  return labels.length === 1
    ? `Seat ${labels[0]} is held or sold, so it cannot be blocked. Nothing was blocked.`
    : `Seats ${formatList(labels)} are held or sold, so they cannot be blocked. Nothing was blocked.`;
}

const seatsWord = (n: number) => `${n} seat${n === 1 ? '' : 's'}`;

/**
 * Take seats off sale and put them back: select available or blocked seats on the live seat map, then
 * "Block" (with a reason) or "Unblock".
 */
export function SeatBlocker({ showId, onChanged }: { showId: number; onChanged(): void }) {
  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const { seats, stage, statuses, setStatuses, live, reload } = useLiveSeatMap(showId, {
    // Seats taken meanwhile (held, booked) leave the selection.
    onLoaded: (map) => prune(new Map(map.seats.map((s) => [s.id, s.status]))),
    onChanges: (fresh) => prune(new Map(fresh.map((c) => [c.id, c.status as SeatState]))),
    onError: (e) => setError(problemMessage(e)),
  });

  function prune(changed: Map<number, SeatState>) {
    setSelected((prev) => {
      const next = new Set([...prev].filter((id) => !changed.has(id) || blockable(changed.get(id)!)));
      return next.size === prev.size ? prev : next;
    });
  }

  const labelOf = useMemo(() => new Map((seats ?? []).map((s) => [s.id, s.label])), [seats]);
  const colours = useMemo(() => categoryColours((seats ?? []).map((s) => s.category)), [seats]);
  const label = (id: number) => labelOf.get(id) ?? `#${id}`;
  const statusOf = (id: number) => statuses.get(id);
  const picked = [...selected].sort((a, b) => a - b);
  const toBlock = picked.filter((id) => statusOf(id) === 'AVAILABLE');
  const toUnblock = picked.filter((id) => statusOf(id) === 'BLOCKED');

  const onToggle = (id: number) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const apply = (ids: number[], status: SeatState) => {
    setStatuses((prev) => {
      const next = new Map(prev);
      for (const id of ids) next.set(id, status);
      return next;
    });
    setSelected((prev) => new Set([...prev].filter((id) => !ids.includes(id))));
  };

  const block = async (e: FormEvent) => {
    e.preventDefault();
    if (toBlock.length === 0) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      unwrap(await api.POST('/admin/shows/{id}/blocks', { params: { path: { id: showId } }, body: { seat_ids: toBlock, reason } }));
      apply(toBlock, 'BLOCKED');
      setDone(`Blocked ${formatList(toBlock.map(label))}.`);
      onChanged();
    } catch (err) {
      if (problemCode(err) === 'seats_unavailable') {
        const ids = (err as { problem: { unavailable_seat_ids?: number[] } }).problem.unavailable_seat_ids ?? [];
        setError(blockRefusedMessage(ids.map(label)));
        reload(); // show their real status even if the live stream is down
      } else setError(problemMessage(err, labelOf));
    } finally {
      setBusy(false);
    }
  };

  const unblock = async () => {
    if (toUnblock.length === 0) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      unwrap(await api.POST('/admin/shows/{id}/unblock', { params: { path: { id: showId } }, body: { seat_ids: toUnblock } }));
      apply(toUnblock, 'AVAILABLE');
      setDone(`Put ${formatList(toUnblock.map(label))} back on sale.`);
      onChanged();
    } catch (err) {
      setError(problemMessage(err, labelOf));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="blocks-h" className="admin-card admin-wide">
      <h3 id="blocks-h">Seats off sale</h3>
      <p className="muted">
        Select available seats to block them (house seats, a broken seat), or blocked seats (⊘) to put them back on sale.{' '}
        <span className={live ? 'live-on' : 'live-off'}>{live ? '● live' : '○ connecting…'}</span>
      </p>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {done && (
        <div className="success" role="status">
          {done}
        </div>
      )}
      {seats && (
        <>
          <form className="block-bar" onSubmit={block}>
            <span>
              {picked.length === 0
                ? 'No seats selected.'
                : `Selected: ${picked.map(label).join(', ')} (${toBlock.length} on sale, ${toUnblock.length} blocked)`}
            </span>
            <label>
              Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="house seats" maxLength={200} required />
            </label>
            <button type="submit" className="primary" disabled={busy || toBlock.length === 0}>
              Block {seatsWord(toBlock.length)}
            </button>{' '}
            <button type="button" onClick={unblock} disabled={busy || toUnblock.length === 0}>
              Unblock {seatsWord(toUnblock.length)}
            </button>{' '}
            <button type="button" onClick={() => setSelected(new Set())} disabled={picked.length === 0}>
              Clear selection
            </button>
          </form>
          <Legend colours={colours} prices={{}} />
          <SeatMap seats={seats} stage={stage} statuses={statuses} selected={selected} colours={colours} onToggle={onToggle} selectable={blockable} />
        </>
      )}
    </section>
  );
}
