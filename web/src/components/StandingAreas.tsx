import { useState } from 'react';
import type { StandingArea } from '../api/client';
import { countOf, formatPrice, placesLeft } from '../format';

/** Most places one hold takes (the service's limit for a hold). */
export const MAX_PLACES = 10;

/** The most places that can be asked for now: up to `max`, never more than are left (0 when sold out). */
export function quantityLimit(available: number, max = MAX_PLACES): number {
  return Math.max(0, Math.min(max, Math.floor(available)));
}

/** The quantity to offer: what was picked, kept within 1…limit as places run out (0 when none are left). */
export function clampQuantity(quantity: number, available: number, max = MAX_PLACES): number {
  const limit = quantityLimit(available, max);
  if (limit === 0) return 0;
  const q = Number.isFinite(quantity) ? Math.floor(quantity) : 1;
  return Math.min(Math.max(1, q), limit);
}

/**
 * Brings up a standing area's quantity picker (the seat map's areas lead here): its card scrolled into
 * view and its "Number of places" focused, or the card itself when it offers no picker (sold out,
 * cancelled). False when the area has no card under `root`.
 */
export function focusStandingPicker(section: string, root: ParentNode = document): boolean {
  const card = [...root.querySelectorAll<HTMLElement>('.standing-card[data-area]')].find((c) => c.dataset.area === section);
  if (!card) return false;
  card.scrollIntoView?.({ block: 'center' });
  const target = card.querySelector<HTMLElement>('select') ?? card;
  target.focus({ preventScroll: true });
  return true;
}

export interface StandingAreasProps {
  areas: readonly StandingArea[];
  colours: ReadonlyMap<string, string>;
  /** Signed in and the show on sale: offer the quantity picker and Hold. */
  canHold: boolean;
  /** The show is cancelled: places left and holds are not offered. */
  cancelled: boolean;
  /** A hold request is in flight, or a hold waits to be confirmed. */
  disabled: boolean;
  onHold(section: string, quantity: number): void;
  /** ISO 4217 code the prices are in (default EUR). */
  currency?: string;
  /** Quantities picked before (kept across signing in), by area. */
  initialPicked?: Record<string, number>;
  /** A quantity was picked (so it can be kept while the buyer signs in). */
  onPick?(section: string, quantity: number): void;
  /** Where the sign-in link goes (back here afterwards). */
  signInHref?: string;
}

/** Each standing area as a card: price, places left (live), and a quantity picker with Hold. */
export function StandingAreas({ areas, colours, canHold, cancelled, disabled, onHold, currency, initialPicked, onPick, signInHref = '/login' }: StandingAreasProps) {
  const [picked, setPicked] = useState<Record<string, number>>(() => ({ ...initialPicked }));
  if (areas.length === 0) return null;
  return (
    <section className="standing" aria-labelledby="standing-h">
      <h2 id="standing-h">Standing</h2>
      <div className="standing-areas">
        {areas.map((a, i) => {
          const colour = colours.get(a.category) ?? '#ddd';
          const limit = quantityLimit(a.available);
          const quantity = clampQuantity(picked[a.section] ?? 1, a.available);
          const id = `standing-${i}`;
          return (
            <section key={a.section} className="standing-card" data-area={a.section} tabIndex={-1} aria-labelledby={`${id}-h`} style={{ borderColor: colour }}>
              <h3 id={`${id}-h`} style={{ backgroundColor: colour }}>
                {a.section}
              </h3>
              <p>
                Standing · {a.category} · {formatPrice(a.price_cents, currency)} per place
              </p>
              {!cancelled && (
                <p className={limit === 0 ? 'places-left soldout' : 'places-left'} data-testid="places-left">
                  {placesLeft(a.available, a.capacity, 'places')}
                </p>
              )}
              {!cancelled && limit > 0 && (
                <div className="standing-hold">
                  <label>
                    Number of places
                    <select
                      value={quantity}
                      onChange={(e) => {
                        const n = Number(e.target.value);
                        setPicked((p) => ({ ...p, [a.section]: n }));
                        onPick?.(a.section, n);
                      }}
                    >
                      {Array.from({ length: limit }, (_, n) => n + 1).map((n) => (
                        <option key={n} value={n}>
                          {n}
                        </option>
                      ))}
                    </select>
                  </label>
                  {canHold ? (
                    <button type="button" className="primary" disabled={disabled} onClick={() => onHold(a.section, quantity)}>
                      Hold {countOf(quantity, 'place')}
                    </button>
                  ) : (
                    <a href={signInHref}>Sign in to hold places</a>
                  )}{' '}
                  <span className="muted">total {formatPrice(a.price_cents * quantity, currency)}</span>
                </div>
              )}
            </section>
          );
        })}
      </div>
    </section>
  );
}
