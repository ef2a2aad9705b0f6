import { useId, useState } from 'react';
import { countOf, formatPrice } from '../format';

/** What "best available" asks the service for: a number of seats, optionally of one category, or wheelchair spaces. */
export interface BestRequest {
  quantity: number;
  category?: string;
  accessible?: boolean;
}

export interface BestAvailableProps {
  /** The seated categories with their price (cents). */
  categories: readonly { name: string; price: number }[];
  /** Seats free right now (bounds the number offered); wheelchair spaces free. */
  seatsLeft: number;
  wheelchairLeft: number;
  /** Whether the map has wheelchair spaces at all (the checkbox is offered only then). */
  hasWheelchair: boolean;
  currency: string;
  /** Signed in: offer the button; otherwise a sign-in link. */
  canHold: boolean;
  signInHref: string;
  /** A hold is being asked for, or one waits to be confirmed. */
  disabled: boolean;
  onHold(request: BestRequest): void;
}

/** The body of a best-available hold: only what was chosen (no category for "any", `accessible` only when ticked). */
export function bestRequest(quantity: number, category: string, accessible: boolean): BestRequest {
  const r: BestRequest = { quantity };
  if (category) r.category = category;
  if (accessible) r.accessible = true;
  return r;
}

/** "Best available": the service picks the seats (side by side, near the front and the middle). */
export function BestAvailable({ categories, seatsLeft, wheelchairLeft, hasWheelchair, currency, canHold, signInHref, disabled, onHold }: BestAvailableProps) {
  const [quantity, setQuantity] = useState(2);
  const [category, setCategory] = useState('');
  const [accessible, setAccessible] = useState(false);
  const id = useId();
  const max = Math.max(1, Math.min(10, accessible ? wheelchairLeft : seatsLeft));
  const q = Math.min(quantity, max);
  const soldOut = seatsLeft === 0 || (accessible && wheelchairLeft === 0);
  return (
    <section className="best-available" aria-labelledby={`${id}-h`}>
      <div className="best-available-head">
        <h2 id={`${id}-h`}>Best available</h2>
        <p className="muted field-help">We pick the best free seats for you: side by side, near the front and the middle.</p>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (canHold && !disabled && !soldOut) onHold(bestRequest(q, category, accessible));
        }}
      >
        <label>
          Number of seats
          <select value={q} onChange={(e) => setQuantity(Number(e.target.value))}>
            {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {categories.length > 1 && (
          <label>
            Category
            <select value={category} onChange={(e) => setCategory(e.target.value)}>
              <option value="">Any category</option>
              {categories.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({formatPrice(c.price, currency)})
                </option>
              ))}
            </select>
          </label>
        )}
        {hasWheelchair && (
          <label className="inline">
            <input type="checkbox" checked={accessible} onChange={(e) => setAccessible(e.target.checked)} /> Wheelchair space
          </label>
        )}
        {canHold ? (
          <button type="submit" className="primary" disabled={disabled || soldOut}>
            {accessible ? `Find ${countOf(q, 'wheelchair space')}` : `Find ${countOf(q, 'seat')}`}
          </button>
        ) : (
          <a href={signInHref}>Sign in to hold seats</a>
        )}
        {soldOut && <span className="soldout">{accessible ? 'No wheelchair spaces left' : 'Sold out'}</span>}
      </form>
    </section>
  );
}
