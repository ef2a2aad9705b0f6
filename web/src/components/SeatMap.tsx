import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { flushSync } from 'react-dom';
import type { Seat, SeatState, StandingArea } from '../api/client';
import { areaPlacesLeft, formatPrice, formatPriceRange, statusWord } from '../format';
import {
  buildStructure,
  buildTiles,
  findAisles,
  mapFrame,
  moveFocus,
  rowFont,
  SECTION_FONT,
  sectionShapes,
  squeezeAisles,
  standingShapes,
  textCentre,
  tilesIn,
  type MapStage,
  type OutlinedArea,
  type SectionShape,
  type StandingShape,
  type Structure,
  type Tile,
  type UnitRect,
} from './mapGeometry';

export { buildStructure, mapFrame, moveFocus, type MapStage, type Structure } from './mapGeometry';

export interface SeatMapProps {
  /** The seats' static data (label, position, category, price), as loaded. */
  seats: readonly Seat[];
  /** The layout's focal point ("Screen", "Stage", "Front of coach"), drawn as a labelled bar, in the seats' coordinates. */
  stage?: MapStage | null;
  /** Live status per seat id (falls back to the seat's loaded status). */
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  colours: ReadonlyMap<string, string>;
  onToggle(id: number): void;
  /** Which statuses can be selected (default: available seats only). */
  selectable?(status: SeatState): boolean;
  /** ISO 4217 code the prices are in (default EUR). */
  currency?: string;
  /** The show's kind: a `bus` is drawn as a coach (its body around the seats). */
  kind?: string;
  /** Seats to bring into view when this changes (e.g. the ones "best available" just held). */
  reveal?: readonly number[] | null;
  /**
   * The show's standing areas: each one with an outline is drawn where it stands, in its category's
   * colour, named with its places left (kept live as `available` changes).
   */
  standing?: readonly StandingArea[];
  /**
   * A standing area was picked on the map (click, tap, Enter or Space on it): bring up its quantity
   * picker. Without it (a cancelled show) the areas are drawn and named only.
   */
  onPickStanding?(section: string): void;
}

const onlyAvailable = (status: SeatState) => status === 'AVAILABLE';

/** Pixels per seat unit at 100 %: everything is laid out at this size and scaled with a CSS transform. */
export const BASE = 30;
/** Above this many seats the map is a big venue: sections first, then only the seats in view are rendered. */
export const BIG_MAP = 2000;
/** A big venue shows seats (not just sections) from this seat pitch (px) up. */
export const SEAT_MODE_PX = 20;
/** Zooming into a section goes at least this far (px per seat), so seats can be clicked. */
const SECTION_ZOOM_PX = typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches ? 26 : 22;
/** The smallest touch target (px) the default zoom gives a seat when the hall can fit the screen that way. */
export const MIN_TOUCH_PX = 24;
export const MAX_SCALE = 1.6;
const ZOOM_STEP = 1.25;
/** Most seats a big map mounts per animation frame (the rest follow in the next frames). */
const SEATS_PER_FRAME = 250;
/** Most seats a big map keeps rendered (those near the view; the view itself needs ~2,000 at 20 px a seat). */
const MAX_RENDERED = 3500;

/** "window", "aisle", "wheelchair space": what `features` says, in that order. */
function featureWords(seat: Seat): string {
  const f = seat.features;
  if (!f || f.length === 0) return '';
  const words = [];
  if (f.includes('window')) words.push('window');
  if (f.includes('aisle')) words.push('aisle');
  if (f.includes('wheelchair')) words.push('wheelchair space');
  return words.map((w) => `, ${w}`).join('');
}

/**
 * A seat's accessible name: "Seat A4, aisle, standard, €12.00, available". The category is left out
 * (`withCategory` false) when the show has only one: "Seat A1, window, €23.50, available".
 */
export function seatName(seat: Seat, status: SeatState, currency?: string, withCategory = true): string {
  return `Seat ${seat.label}${featureWords(seat)}${withCategory ? `, ${seat.category}` : ''}, ${formatPrice(seat.price_cents, currency)}, ${statusWord(status)}`;
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
  /** Degrees the seat is turned with its row (0 for rows drawn level); its number stays upright. */
  angle: number;
  currency: string;
  withCategory: boolean;
}

/**
 * One seat: a button covering its whole seat place (the touch target), drawn inset within it (a
 * transparent border, an inset outline). One element and its text: the arena renders thousands.
 */
const SeatButton = memo(function SeatButton(p: SeatButtonProps) {
  const { seat, status, selected } = p;
  const available = status === 'AVAILABLE';
  const wheelchair = seat.features?.includes('wheelchair') ?? false;
  const symbol = selected ? '✓' : available ? (wheelchair ? '♿' : '') : SYMBOL[status];
  return (
    <button
      type="button"
      className={`seat seat-${status.toLowerCase()}${selected ? ' seat-selected' : ''}`}
      style={{
        left: p.left,
        top: p.top,
        transform: p.angle ? `rotate(${p.angle}deg)` : undefined,
        backgroundColor: available && !selected ? p.colour : undefined,
      }}
      data-seat-id={seat.id}
      aria-label={seatName(seat, status, p.currency, p.withCategory)}
      aria-pressed={selected}
      aria-disabled={p.selectable ? undefined : true}
      tabIndex={p.focusable ? 0 : -1}
    >
      {p.angle || symbol ? (
        <span className={symbol ? 'sym' : 'num'} style={p.angle ? { transform: `rotate(${-p.angle}deg)` } : undefined} aria-hidden="true">
          {symbol || seat.number}
        </span>
      ) : (
        seat.number
      )}
    </button>
  );
});

interface TileViewProps {
  tile: Tile;
  st: Structure;
  ox: number;
  oy: number;
  statuses: ReadonlyMap<number, SeatState>;
  selected: ReadonlySet<number>;
  colours: ReadonlyMap<string, string>;
  selectable(status: SeatState): boolean;
  /** The map's one tab stop, when it is in this tile. */
  roving: number | undefined;
  currency: string;
  withCategory: boolean;
}

/**
 * The seats of one tile, in a box of their own that the browser skips (style, layout, paint) while it
 * is out of view (`content-visibility: auto`); a small map is one tile.
 */
const TileView = memo(function TileView({ tile, st, ox, oy, statuses, selected, colours, selectable, roving, currency, withCategory }: TileViewProps) {
  const left = tile.x0 * BASE + ox;
  const top = tile.y0 * BASE + oy;
  const width = (tile.x1 - tile.x0) * BASE;
  const height = (tile.y1 - tile.y0) * BASE;
  return (
    <div className="seat-tile" style={{ left, top, width, height, containIntrinsicSize: `${Math.ceil(width)}px ${Math.ceil(height)}px` }}>
      {tile.ids.map((id) => {
        const s = st.byId.get(id)!;
        const status = statuses.get(id) ?? s.status;
        return (
          <SeatButton
            key={id}
            seat={s}
            status={status}
            selected={selected.has(id)}
            selectable={selectable(status)}
            focusable={id === roving}
            colour={colours.get(s.category) ?? '#ddd'}
            left={s.x * BASE + ox - left}
            top={s.y * BASE + oy - top}
            angle={st.angleOf.get(id) ?? 0}
            currency={currency}
            withCategory={withCategory}
          />
        );
      })}
    </div>
  );
});

/** How full a section is, for the overview's colours (told in words too: "12 of 9000 seats left"). */
export function availabilityLevel(available: number, total: number): 'many' | 'some' | 'few' | 'none' {
  if (available <= 0 || total <= 0) return 'none';
  const r = available / total;
  return r >= 0.5 ? 'many' : r >= 0.1 ? 'some' : 'few';
}

const LEVEL_WORDS = { many: 'many seats left', some: 'some seats left', few: 'few seats left', none: 'sold out' } as const;

/** A standing area's accessible name on the map: "Floor, standing, €150.00 per place, 1,234 places left". */
export function standingName(area: Pick<StandingArea, 'section' | 'price_cents' | 'available'>, currency?: string): string {
  return `${area.section}, standing, ${formatPrice(area.price_cents, currency)} per place, ${areaPlacesLeft(area.available)}`;
}

/** Largest and smallest font (px at 100 %) of a standing area's name on its ground. */
const AREA_FONT_MAX = 16;
const AREA_FONT_MIN = 7;

/**
 * How a standing area's name and places left fit on its ground (px at 100 %): on one line ("Floor · 1,234
 * places left") or, when that would be smaller, on two (the name above the count).
 */
export function areaLabelFit(shape: StandingShape, name: string, left: string): { font: number; stacked: boolean } {
  const w = (shape.box.x1 - shape.box.x0) * BASE * 0.8;
  const h = (shape.box.y1 - shape.box.y0) * BASE * 0.8;
  // Text is about 0.6 em a character; the button adds about 1.2 em across and 0.5 em down.
  const one = Math.min(AREA_FONT_MAX, w / ((name.length + 3 + left.length) * 0.6 + 1.2), h / 1.7);
  const two = Math.min(AREA_FONT_MAX, w / (Math.max(name.length, left.length) * 0.6 + 1.2), h / 2.9);
  // Two lines only when they read clearly bigger.
  const stacked = left !== '' && two > one * 1.15;
  const font = Math.max(AREA_FONT_MIN, Math.floor(stacked ? two : one));
  return { font, stacked };
}

/** The committed view: scale, scroll position and viewport size (React state, updated at most once a frame). */
interface View {
  s: number;
  left: number;
  top: number;
  w: number;
  h: number;
  /** Horizontal offset of the drawing when it is narrower than the viewport (centred). */
  offX: number;
}

const raf = (cb: () => void): number =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(cb) : (setTimeout(cb, 16) as unknown as number);
const cancelRaf = (h: number) => (typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame(h) : clearTimeout(h));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The tallest the map's viewport gets: 70 % of the window (at least 300 px). */
function maxViewportHeight(): number {
  const h = typeof window !== 'undefined' ? window.innerHeight : 0;
  return h > 0 ? Math.max(300, Math.round(h * 0.7)) : 600;
}

/**
 * The seat map. Everything is laid out once at 30 px per seat and zoomed with a CSS transform, so a
 * zoom step re-renders no seat. Pan with the scroll bars, the mouse wheel, a drag or one finger;
 * zoom with the buttons, Ctrl + wheel, a pinch or the + and − keys. A big venue (over 2,000 seats)
 * opens on an overview that fits the screen: each section a shape with its prices and seats left;
 * a click or Enter on one zooms into it, and only the seats near the view are rendered then (a
 * few hundred per frame). Standing areas with an outline are drawn where they stand, in their
 * category's colour, named with their places left; picking one (a button, or its ground) hands it to
 * `onPickStanding`. A plain hall's row labels sit in a gutter beside the map and stay in
 * view while panning. On a narrow screen a plain hall's aisles are narrowed so its rows fit the
 * width with seats at least 24 px wide.
 */
export const SeatMap = memo(function SeatMap({
  seats,
  stage,
  statuses,
  selected,
  colours,
  onToggle,
  selectable = onlyAvailable,
  currency = 'EUR',
  kind,
  reveal,
  standing,
  onPickStanding,
}: SeatMapProps) {
  const big = seats.length > BIG_MAP;
  const viewportRef = useRef<HTMLDivElement>(null);
  const sizerRef = useRef<HTMLDivElement>(null);
  const layerRef = useRef<HTMLDivElement>(null);
  const gutterRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);

  // The viewport's width decides whether a plain hall's aisles are narrowed (phones).
  const [avail, setAvail] = useState<{ w: number; h: number }>({ w: 0, h: 0 });
  // The areas' outlines, kept while only their places left change (the drawing is not rebuilt for a count).
  const outlineKey = (standing ?? [])
    .filter((a) => a.outline && a.outline.length > 0)
    .map((a) => `${a.section}\u0001${a.category}\u0001${a.outline!.map((p) => `${p.x},${p.y}`).join(' ')}`)
    .join('\u0002');
  const outlined = useMemo<OutlinedArea[]>(
    () => (standing ?? []).filter((a) => a.outline && a.outline.length > 0).map((a) => ({ section: a.section, category: a.category, outline: a.outline })),
    [outlineKey], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const plain = useMemo(() => buildStructure(seats, stage, standingShapes(outlined)), [seats, stage, outlined]);
  const plainFrame = useMemo(() => mapFrame(plain, BASE), [plain]);
  // A plain hall's row labels live in a gutter left of the viewport, as wide as the longest label.
  const gutterWidth = plain.grid ? Math.max(14, Math.max(0, ...plain.rowLabels.map((r) => r.text.length)) * 7 + 6) : 0;
  const squeeze = !big && plain.grid && avail.w > 0 && plainFrame.width * (MIN_TOUCH_PX / BASE) > avail.w;
  const st = useMemo(() => {
    if (!squeeze) return plain;
    const s = squeezeAisles(seats, stage, 0.2, outlined);
    return buildStructure(s.seats, s.stage, standingShapes(s.areas));
  }, [squeeze, plain, seats, stage, outlined]);
  const frame = useMemo(() => (st === plain ? plainFrame : mapFrame(st, BASE)), [st, plain, plainFrame]);
  const { ox, oy } = frame;
  const tiles = useMemo<Tile[]>(
    () => (big ? buildTiles(st) : [{ key: 'all', ids: st.rows.flat(), x0: st.minX, y0: st.minY, x1: st.maxX + 1, y1: st.maxY + 1 }]),
    [big, st],
  );
  const tileSize = useMemo(() => new Map(tiles.map((t) => [t.key, t.ids.length])), [tiles]);
  const tileOf = useMemo(() => {
    const m = new Map<number, string>();
    for (const t of tiles) for (const id of t.ids) m.set(id, t.key);
    return m;
  }, [tiles]);
  const shapes = useMemo(() => (big ? sectionShapes(st) : []), [big, st]);
  const aisles = useMemo(() => (big ? [] : findAisles(st)), [big, st]);
  const withCategory = useMemo(() => new Set(seats.map((s) => s.category)).size > 1, [seats]);

  // Scale limits: the whole drawing fits at the smallest; a big venue opens there (its overview).
  const fitAll = avail.w > 0 ? Math.min(avail.w / frame.width, maxViewportHeight() / frame.height) * (big ? 0.97 : 1) : 1;
  const fitWidth = avail.w > 0 ? avail.w / frame.width : 1;
  const defaultScale = big ? Math.min(fitAll, MAX_SCALE) : clamp(fitWidth, Math.min(1, MIN_TOUCH_PX / BASE), 1);
  const minScale = big ? Math.min(fitAll, defaultScale) : Math.min(fitAll, defaultScale, 0.5);
  const limits = useRef({ min: minScale, max: MAX_SCALE });
  limits.current = { min: minScale, max: MAX_SCALE };

  // The live view (imperative, applied at once) and the committed one (React state, for what is rendered).
  const live = useRef<View & { zoomed: boolean }>({ s: 1, left: 0, top: 0, w: 0, h: 0, offX: 0, zoomed: false });
  // Scale 0 until measured: a big venue starts as the overview and renders no seat before it knows its view.
  const [view, setView] = useState<View>({ s: big ? 0 : 1, left: 0, top: 0, w: 0, h: 0, offX: 0 });
  const commitHandle = useRef(0);

  const readView = useCallback((): View => {
    const vp = viewportRef.current;
    const v = live.current;
    return { s: v.s, offX: v.offX, left: vp?.scrollLeft ?? 0, top: vp?.scrollTop ?? 0, w: vp?.clientWidth ?? 0, h: vp?.clientHeight ?? 0 };
  }, []);
  const commitNow = useCallback(() => {
    if (commitHandle.current) cancelRaf(commitHandle.current);
    commitHandle.current = 0;
    setView(readView());
  }, [readView]);
  const scheduleCommit = useCallback(() => {
    if (!commitHandle.current)
      commitHandle.current = raf(() => {
        commitHandle.current = 0;
        setView(readView());
      });
  }, [readView]);
  useEffect(() => () => cancelRaf(commitHandle.current), []);

  /** Sizes the scrolled area and scales the drawing for `s` (no React render). */
  const applyScale = useCallback(
    (s: number) => {
      const vp = viewportRef.current;
      const sizer = sizerRef.current;
      const layer = layerRef.current;
      const v = live.current;
      v.s = s;
      const W = frame.width * s;
      const H = frame.height * s;
      const cw = vp?.clientWidth ?? 0;
      v.offX = big ? Math.max(0, Math.floor((cw - W) / 2)) : 0;
      if (sizer) {
        sizer.style.width = `${Math.ceil(W + v.offX)}px`;
        sizer.style.height = `${Math.ceil(H)}px`;
      }
      if (layer) layer.style.transform = `translate(${v.offX}px, 0px) scale(${s})`;
      // A small map's viewport hugs the drawing (so the row labels beside it stay next to it), up to the full width.
      const body = bodyRef.current;
      if (vp && body && !big && body.clientWidth > 0) {
        const room = body.clientWidth - (plain.grid ? gutterWidth : 0);
        vp.style.width = `${Math.min(Math.ceil(W) + vp.offsetWidth - vp.clientWidth, room)}px`;
      }
      // A small map's viewport is as tall as the drawing (up to 70 % of the window), borders and scroll bar included.
      if (vp && !big) vp.style.height = `${Math.min(Math.ceil(H) + vp.offsetHeight - vp.clientHeight, maxViewportHeight())}px`;
    },
    [frame, big, plain.grid, gutterWidth],
  );

  /** Zooms to `s`, keeping the drawing's point under (fx, fy) of the viewport where it is. */
  const zoomTo = useCallback(
    (target: number, fx?: number, fy?: number, commit = false) => {
      const vp = viewportRef.current;
      const v = live.current;
      const s = clamp(target, limits.current.min, limits.current.max);
      const cx = fx ?? (vp?.clientWidth ?? 0) / 2;
      const cy = fy ?? (vp?.clientHeight ?? 0) / 2;
      // The drawing's point (unscaled px) under the focal point now.
      const lx = ((vp?.scrollLeft ?? 0) + cx - v.offX) / v.s;
      const ly = ((vp?.scrollTop ?? 0) + cy) / v.s;
      applyScale(s);
      v.zoomed = true;
      if (vp) {
        vp.scrollLeft = lx * s + v.offX - cx;
        vp.scrollTop = ly * s - cy;
      }
      if (commit) commitNow();
      else scheduleCommit();
    },
    [applyScale, commitNow, scheduleCommit],
  );

  /** Shows the drawing's point (lx, ly) (unscaled px) at the viewport's middle (a third down), at scale `s`. */
  const centreOn = useCallback(
    (s: number, lx: number, ly: number) => {
      const vp = viewportRef.current;
      applyScale(clamp(s, limits.current.min, limits.current.max));
      live.current.zoomed = true;
      if (vp) {
        const v = live.current;
        vp.scrollLeft = lx * v.s + v.offX - vp.clientWidth / 2;
        vp.scrollTop = ly * v.s - vp.clientHeight / 3;
      }
      commitNow();
    },
    [applyScale, commitNow],
  );

  // Measure the room for the drawing (the map's width less the gutter, borders and scroll bar); follow it (a phone turned, a window resized).
  useLayoutEffect(() => {
    const vp = viewportRef.current;
    const body = bodyRef.current;
    if (!vp || !body) return;
    const measure = () => {
      const w = body.clientWidth > 0 ? Math.max(0, body.clientWidth - (plain.grid ? gutterWidth : 0) - (vp.offsetWidth - vp.clientWidth)) : 0;
      const h = vp.clientHeight;
      setAvail((prev) => (prev.w === w && prev.h === h ? prev : { w, h }));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(body);
    return () => ro.disconnect();
  }, [plain.grid, gutterWidth]);

  // The default view: on first layout, and again when the drawing or the width changes and the buyer has not zoomed.
  const defaultKey = `${frame.width}x${frame.height}@${avail.w}`;
  const appliedDefault = useRef('');
  useLayoutEffect(() => {
    if (big && avail.w === 0) return; // not measured yet: a big venue waits to know its overview
    if (appliedDefault.current === defaultKey && live.current.zoomed) return;
    if (appliedDefault.current !== defaultKey && live.current.zoomed && appliedDefault.current.split('@')[0] === defaultKey.split('@')[0]) {
      // Only the width changed while zoomed: keep the zoom, re-centre the drawing.
      appliedDefault.current = defaultKey;
      applyScale(clamp(live.current.s, minScale, MAX_SCALE));
      commitNow();
      return;
    }
    appliedDefault.current = defaultKey;
    live.current.zoomed = false;
    applyScale(defaultScale);
    const vp = viewportRef.current;
    if (vp) {
      vp.scrollLeft = 0;
      vp.scrollTop = 0;
    }
    commitNow();
  }, [big, avail.w, defaultKey, defaultScale, minScale, applyScale, commitNow]);
  // Every render: React never sets the transform, so re-apply the live one (the drawing may have been rebuilt).
  useLayoutEffect(() => {
    applyScale(live.current.s);
  });

  const overview = big && view.s * BASE < SEAT_MODE_PX;
  const [focusId, setFocusId] = useState<number | undefined>(undefined);

  // The one seat in the tab order (roving tabindex): the last focused, else the first available.
  const rovingId = useMemo(() => {
    if (focusId !== undefined && st.byId.has(focusId)) return focusId;
    for (const r of st.rows) for (const id of r) if ((statuses.get(id) ?? st.byId.get(id)!.status) === 'AVAILABLE') return id;
    return st.rows[0]?.[0];
  }, [focusId, st, statuses]);

  // Which tiles are rendered: all for a small map; for a big one those near the view, added a few per frame.
  const [mounted, setMounted] = useState<ReadonlySet<string>>(() => new Set(big ? [] : ['all']));
  const mountedRef = useRef<ReadonlySet<string>>(mounted);
  const rovingTileRef = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!big) {
      if (!(mountedRef.current.has('all') && mountedRef.current.size === 1)) setMounted((mountedRef.current = new Set(['all'])));
      return;
    }
    const rectAt = (margin: number): UnitRect => {
      const w = view.w || avail.w;
      const h = view.h || avail.h;
      const x0 = (view.left - view.offX) / view.s;
      const y0 = view.top / view.s;
      const mx = (w / view.s) * margin;
      const my = (h / view.s) * margin;
      return {
        x0: (x0 - mx - ox) / BASE,
        y0: (y0 - my - oy) / BASE,
        x1: (x0 + w / view.s + mx - ox) / BASE,
        y1: (y0 + h / view.s + my - oy) / BASE,
      };
    };
    // The overview hides the rendered seats (kept, not rebuilt: zooming back in is then cheap).
    if (overview || view.w === 0) return;
    const want = tilesIn(tiles, rectAt(0.12));
    const keep = new Set(tilesIn(tiles, rectAt(0.25)).map((t) => t.key));
    // Nearest the middle of the view first.
    const mid = rectAt(0);
    const mx = (mid.x0 + mid.x1) / 2;
    const my = (mid.y0 + mid.y1) / 2;
    const dist = (t: Tile) => Math.hypot((t.x0 + t.x1) / 2 - mx, (t.y0 + t.y1) / 2 - my);
    want.sort((a, b) => dist(a) - dist(b));
    let handle = 0;
    const step = () => {
      handle = 0;
      const prev = mountedRef.current;
      const next = new Set<string>();
      // Tiles far from the view go, a few thousand seats a frame at most.
      let dropBudget = SEATS_PER_FRAME * 8;
      let more = false;
      for (const k of prev) {
        if (keep.has(k) || dropBudget <= 0) {
          if (!keep.has(k)) more = true;
          next.add(k);
        } else dropBudget -= tileSize.get(k) ?? 0;
      }
      let budget = SEATS_PER_FRAME;
      for (const t of want) {
        if (next.has(t.key)) continue;
        if (budget <= 0) {
          more = true;
          break;
        }
        next.add(t.key);
        budget -= t.ids.length;
      }
      // Never more than MAX_RENDERED seats: every rendered seat is painted again on a zoom step, so the
      // tiles farthest from the view that are not wanted go first.
      let total = 0;
      for (const k of next) total += tileSize.get(k) ?? 0;
      if (total > MAX_RENDERED) {
        const wanted = new Set(want.map((t) => t.key));
        const spare = tiles.filter((t) => next.has(t.key) && !wanted.has(t.key) && t.key !== rovingTileRef.current).sort((a, b) => dist(b) - dist(a));
        for (const t of spare) {
          if (total <= MAX_RENDERED) break;
          next.delete(t.key);
          total -= t.ids.length;
        }
      }
      if (next.size !== prev.size || [...next].some((k) => !prev.has(k))) setMounted((mountedRef.current = next));
      if (more) handle = raf(step);
    };
    step();
    return () => cancelRaf(handle);
  }, [big, overview, tiles, tileSize, view, avail, ox, oy]);

  // The tab stop's tile is always rendered (so Tab reaches the map), except in the overview (sections are the stops).
  const rovingTile = rovingId !== undefined && !overview ? tileOf.get(rovingId) : undefined;
  rovingTileRef.current = rovingTile;
  const shownTiles = useMemo(() => tiles.filter((t) => mounted.has(t.key) || t.key === rovingTile), [tiles, mounted, rovingTile]);

  // Seats left per section, for the overview.
  const sectionCounts = useMemo(() => {
    const m = new Map<string, { left: number; prices: number[] }>();
    for (const sh of shapes) {
      let left = 0;
      const prices = new Set<number>();
      for (const id of sh.ids) {
        const s = st.byId.get(id)!;
        if ((statuses.get(id) ?? s.status) === 'AVAILABLE') left++;
        prices.add(s.price_cents);
      }
      m.set(sh.name, { left, prices: [...prices] });
    }
    return m;
  }, [shapes, st, statuses]);

  /** The seat to start at in a section: the front-most row with a free seat, its free seat nearest the row's middle. */
  const bestSeatIn = useCallback(
    (sh: SectionShape): number | undefined => {
      const ids = new Set(sh.ids);
      for (const row of st.rows) {
        if (!ids.has(row[0])) continue;
        const free = row.filter((id) => (statuses.get(id) ?? st.byId.get(id)!.status) === 'AVAILABLE');
        if (free.length === 0) continue;
        const xs = row.map((id) => st.byId.get(id)!.x);
        const mid = (Math.min(...xs) + Math.max(...xs)) / 2;
        return free.reduce((a, b) => (Math.abs(st.byId.get(b)!.x - mid) < Math.abs(st.byId.get(a)!.x - mid) ? b : a));
      }
      return sh.ids[0];
    },
    [st, statuses],
  );

  const focusSeat = useCallback((id: number, preventScroll = false) => {
    flushSync(() => setFocusId(id));
    layerRef.current?.querySelector<HTMLElement>(`[data-seat-id="${id}"]`)?.focus({ preventScroll });
  }, []);

  /** Zooms into a section (click or Enter on its shape): its front rows in view, big enough to pick seats. */
  const zoomIntoSection = useCallback(
    (sh: SectionShape, moveFocusThere: boolean) => {
      const vp = viewportRef.current;
      const w = vp?.clientWidth || avail.w || 800;
      const h = vp?.clientHeight || avail.h || 600;
      const bw = (sh.box.x1 - sh.box.x0 + 2) * BASE;
      const bh = (sh.box.y1 - sh.box.y0 + 2) * BASE;
      const s = Math.max(Math.min(w / bw, h / bh), SECTION_ZOOM_PX / BASE);
      const target = bestSeatIn(sh);
      const seat = target !== undefined ? st.byId.get(target) : undefined;
      const lx = (seat ? seat.x + 0.5 : sh.cx) * BASE + ox;
      const ly = (seat ? seat.y + 0.5 : sh.cy) * BASE + oy;
      centreOn(s, lx, ly);
      if (moveFocusThere && target !== undefined) focusSeat(target, true);
      else if (target !== undefined) setFocusId(target);
    },
    [avail, bestSeatIn, st, ox, oy, centreOn, focusSeat],
  );

  // Bring seats into view when asked (best available's pick): zoom in from the overview, centre on the first.
  const revealKey = reveal?.join(',') ?? '';
  useEffect(() => {
    if (!revealKey) return;
    const ids = revealKey.split(',').map(Number).filter((id) => st.byId.has(id));
    if (ids.length === 0) return;
    const s0 = st.byId.get(ids[0])!;
    const s = Math.max(live.current.s, big ? SECTION_ZOOM_PX / BASE : live.current.s);
    centreOn(s, (s0.x + 0.5) * BASE + ox, (s0.y + 0.5) * BASE + oy);
  }, [revealKey]); // eslint-disable-line react-hooks/exhaustive-deps

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

  const zoomBy = useCallback((factor: number) => zoomTo(live.current.s * factor, undefined, undefined, true), [zoomTo]);

  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if (e.key === '+' || e.key === '=') {
        e.preventDefault();
        zoomBy(ZOOM_STEP);
        return;
      }
      if (e.key === '-' || e.key === '_') {
        e.preventDefault();
        zoomBy(1 / ZOOM_STEP);
        return;
      }
      const id = seatFromEvent(e.target);
      if (id === undefined) return;
      const next = moveFocus(st, id, e.key);
      if (next === undefined) {
        if (e.key.startsWith('Arrow')) e.preventDefault();
        return;
      }
      e.preventDefault();
      focusSeat(next);
    },
    [st, zoomBy, focusSeat],
  );

  // Ctrl + wheel (and a touchpad's pinch, which browsers send as one) zooms about the pointer; a plain wheel scrolls.
  useEffect(() => {
    const vp = viewportRef.current;
    if (!vp) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const r = vp.getBoundingClientRect();
      zoomTo(live.current.s * Math.exp(-e.deltaY * 0.0025), e.clientX - r.left - vp.clientLeft, e.clientY - r.top - vp.clientTop);
    };
    // Two fingers pinch: the page does not scroll or zoom meanwhile; one finger pans natively (touch-action).
    let pinch: { d: number; s: number } | null = null;
    const touchInfo = (t: TouchList) => {
      const r = vp.getBoundingClientRect();
      const [a, b] = [t[0], t[1]];
      return { d: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY), x: (a.clientX + b.clientX) / 2 - r.left, y: (a.clientY + b.clientY) / 2 - r.top };
    };
    const onTouchStart = (e: TouchEvent) => {
      if (e.touches.length === 2) {
        pinch = { d: touchInfo(e.touches).d, s: live.current.s };
        e.preventDefault();
      }
    };
    const onTouchMove = (e: TouchEvent) => {
      if (e.touches.length < 2 || !pinch) return;
      e.preventDefault();
      const t = touchInfo(e.touches);
      if (pinch.d > 0) zoomTo((pinch.s * t.d) / pinch.d, t.x, t.y);
    };
    const onTouchEnd = (e: TouchEvent) => {
      if (e.touches.length < 2) pinch = null;
    };
    vp.addEventListener('wheel', onWheel, { passive: false });
    vp.addEventListener('touchstart', onTouchStart, { passive: false });
    vp.addEventListener('touchmove', onTouchMove, { passive: false });
    vp.addEventListener('touchend', onTouchEnd);
    vp.addEventListener('touchcancel', onTouchEnd);
    return () => {
      vp.removeEventListener('wheel', onWheel);
      vp.removeEventListener('touchstart', onTouchStart);
      vp.removeEventListener('touchmove', onTouchMove);
      vp.removeEventListener('touchend', onTouchEnd);
      vp.removeEventListener('touchcancel', onTouchEnd);
    };
  }, [zoomTo]);

  // A mouse (or pen) drag pans; a drag is not a click on the seat it started on.
  const drag = useRef<{ x: number; y: number; left: number; top: number; id: number; moved: boolean } | null>(null);
  const swallowClick = useRef(false);
  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType === 'touch' || e.button !== 0) return;
    const vp = viewportRef.current!;
    drag.current = { x: e.clientX, y: e.clientY, left: vp.scrollLeft, top: vp.scrollTop, id: e.pointerId, moved: false };
    swallowClick.current = false;
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 6) return;
    if (!d.moved) {
      d.moved = true;
      viewportRef.current?.setPointerCapture?.(e.pointerId);
    }
    const vp = viewportRef.current!;
    vp.scrollLeft = d.left - dx;
    vp.scrollTop = d.top - dy;
  };
  const onPointerUp = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    swallowClick.current = d.moved;
    drag.current = null;
  };
  const onClickCapture = (e: MouseEvent) => {
    if (swallowClick.current) {
      swallowClick.current = false;
      e.stopPropagation();
      e.preventDefault();
    }
  };

  const onScroll = () => {
    const vp = viewportRef.current;
    const g = gutterRef.current;
    if (vp && g) g.style.transform = `translateY(${view.top - vp.scrollTop}px)`;
    scheduleCommit();
  };
  useLayoutEffect(() => {
    const vp = viewportRef.current;
    const g = gutterRef.current;
    if (vp && g) g.style.transform = `translateY(${view.top - vp.scrollTop}px)`;
  });

  const pitch = view.s * BASE;
  const zoomOutOk = view.s > minScale * 1.001;
  const zoomInOk = view.s < MAX_SCALE * 0.999;
  const rowFontPx = rowFont(BASE);
  // Row labels of a plain hall, in the gutter (only when rows are tall enough to label).
  const gutterLabels = st.grid && !overview && pitch >= 10 ? st.rowLabels : [];
  // The section at the top of the view, named in a corner once the view has scrolled down into the map.
  const rowTops = useMemo(() => (st.grid ? st.strips.map((r) => ({ y: st.byId.get(r.ids[0])!.y, section: r.section })) : []), [st]);
  const topSection = useMemo(() => {
    if (overview || rowTops.length === 0 || view.top <= 0) return null;
    const y = (view.top / view.s - oy) / BASE;
    let name: string | null = null;
    for (const r of rowTops) if (r.y <= y + 0.5) name = r.section;
    return name;
  }, [overview, rowTops, view.top, view.s, oy]);
  const coach = kind === 'bus' && st.grid && !big;
  // Each drawn area's live count and price (from the latest `standing`).
  const areaInfo = new Map((standing ?? []).map((a) => [a.section, a]));

  return (
    <div className={`seatmap-frame${big ? ' seatmap-big' : ''}`}>
      <div className="zoom" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomBy(1 / ZOOM_STEP)} disabled={!zoomOutOk} aria-label="Zoom out">
          −
        </button>
        <output aria-live="polite">{Math.round(view.s * 100)}%</output>
        <button type="button" onClick={() => zoomBy(ZOOM_STEP)} disabled={!zoomInOk} aria-label="Zoom in">
          +
        </button>
        {big && (
          <button type="button" onClick={() => zoomTo(minScale, undefined, undefined, true)} disabled={overview && !zoomOutOk}>
            All sections
          </button>
        )}
        {overview && (
          <span className="muted zoom-hint">Pick a section to see its seats.</span>
        )}
      </div>
      {overview && (
        <ul className="legend availability-legend" aria-label="Sections by seats left">
          {(['many', 'some', 'few', 'none'] as const).map((l) => (
            <li key={l}>
              <span className={`swatch level-${l}`} aria-hidden="true" /> {LEVEL_WORDS[l]}
            </li>
          ))}
        </ul>
      )}
      <div ref={bodyRef} className="seatmap-body">
        {topSection && (
          <div className="section-chip" aria-hidden="true" style={{ left: st.grid ? gutterWidth + 1 : 1 }}>
            {topSection}
          </div>
        )}
        {st.grid && (
          <div className="row-gutter" style={{ width: gutterWidth }} aria-hidden="true">
            <div ref={gutterRef} className="row-gutter-inner">
              {gutterLabels.map((r) => (
                <div
                  key={`row-${r.key}`}
                  className="row-label"
                  style={{ top: (r.y * BASE + oy) * view.s - view.top, height: pitch, fontSize: Math.min(12, Math.max(9, pitch * 0.45)) }}
                >
                  {r.text}
                </div>
              ))}
            </div>
          </div>
        )}
        <div
          ref={viewportRef}
          className="seatmap-scroll"
          onScroll={onScroll}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
          onClickCapture={onClickCapture}
          onKeyDown={onKeyDown}
        >
          <div ref={sizerRef} className="seatmap-sizer" />
          <div className="seatmap-overlay">
            <div
              ref={layerRef}
              className="seatmap"
              role="group"
              aria-label={
                overview
                  ? 'Seat map, sections. Pick a section to zoom into its seats.'
                  : 'Seat map. Use the arrow keys to move between seats, Enter or Space to select, + and − to zoom.'
              }
              style={{ width: frame.width, height: frame.height }}
              onClick={onClick}
            >
              {coach && frame.stage && (
                <div
                  className="coach-body"
                  aria-hidden="true"
                  style={{
                    left: (st.minX - 0.2) * BASE + ox,
                    top: frame.stage.top - 4,
                    width: (st.maxX + 1.4 - st.minX) * BASE,
                    height: (st.maxY + 1.2) * BASE + oy - (frame.stage.top - 4),
                  }}
                />
              )}
              {st.areas.length > 0 && (
                <svg className="standing-svg" width={frame.width} height={frame.height} aria-hidden="true">
                  {st.areas.map((a) => {
                    const info = areaInfo.get(a.section);
                    const soldOut = !info || info.available <= 0;
                    return (
                      <polygon
                        key={a.section}
                        className={`standing-shape${soldOut ? ' standing-soldout' : ''}${onPickStanding ? ' standing-pickable' : ''}`}
                        data-area={a.section}
                        fill={colours.get(a.category) ?? '#ddd'}
                        points={a.hull.map(([x, y]) => `${x * BASE + ox},${y * BASE + oy}`).join(' ')}
                        onClick={onPickStanding ? () => onPickStanding(a.section) : undefined}
                      />
                    );
                  })}
                </svg>
              )}
              {aisles.map((a, i) => {
                const w = (a.x1 - a.x0) * BASE;
                const h = (a.y1 - a.y0) * BASE;
                return (
                  <div
                    key={`aisle-${i}`}
                    className={w >= 18 && h >= 90 ? 'aisle aisle-named' : 'aisle'}
                    aria-hidden="true"
                    style={{ left: a.x0 * BASE + ox, top: a.y0 * BASE + oy, width: w, height: h }}
                  >
                    {w >= 18 && h >= 90 ? 'Aisle' : null}
                  </div>
                );
              })}
              {shapes.length > 0 && (
                <svg className={overview ? 'sections-svg' : 'sections-svg sections-behind'} width={frame.width} height={frame.height} aria-hidden="true">
                  {shapes.map((sh) => {
                    const c = sectionCounts.get(sh.name)!;
                    return (
                      <polygon
                        key={sh.name}
                        className={`section-shape level-${availabilityLevel(c.left, sh.ids.length)}`}
                        points={sh.hull.map(([x, y]) => `${x * BASE + ox},${y * BASE + oy}`).join(' ')}
                        onClick={overview ? () => zoomIntoSection(sh, false) : undefined}
                      />
                    );
                  })}
                </svg>
              )}
              {st.stage && frame.stage && (
                <div
                  className="stage"
                  data-testid="stage"
                  style={{ left: frame.stage.left, top: frame.stage.top, width: frame.stage.width, height: frame.stage.height, fontSize: frame.stage.font }}
                >
                  {st.stage.label}
                </div>
              )}
              {!overview &&
                st.sections.map((s) => {
                  const c = s.align === 'center' ? textCentre(s, BASE, SECTION_FONT) : { x: s.x * BASE, y: s.y * BASE };
                  return (
                    <div
                      key={`sec-${s.key}`}
                      className={s.align === 'center' ? 'section-label section-label-placed' : 'section-label'}
                      aria-hidden="true"
                      style={{ top: c.y + oy, left: c.x + ox }}
                    >
                      {s.text}
                    </div>
                  );
                })}
              {!overview &&
                st.rowLabels.map((r) =>
                  r.align === 'right' ? null : (
                    <div
                      key={`row-${r.key}`}
                      className="row-label row-label-placed"
                      aria-hidden="true"
                      style={{ top: textCentre(r, BASE, rowFontPx).y + oy, left: textCentre(r, BASE, rowFontPx).x + ox, fontSize: rowFontPx }}
                    >
                      {r.text}
                    </div>
                  ),
                )}
              {!overview &&
                st.areas.map((a) => {
                  const info = areaInfo.get(a.section);
                  const left = onPickStanding && info ? areaPlacesLeft(info.available) : '';
                  const fit = areaLabelFit(a, a.section, left);
                  const style = { left: a.cx * BASE + ox, top: a.cy * BASE + oy, fontSize: fit.font };
                  const cls = `standing-label${fit.stacked ? ' standing-label-stacked' : ''}`;
                  return onPickStanding && info ? (
                    <button
                      key={`area-${a.section}`}
                      type="button"
                      className={cls}
                      style={style}
                      data-area={a.section}
                      aria-label={standingName(info, currency)}
                      onClick={() => onPickStanding(a.section)}
                    >
                      <strong>{a.section}</strong>
                      <span className="standing-sep"> · </span>
                      <span>{left}</span>
                    </button>
                  ) : (
                    <div key={`area-${a.section}`} className={cls} style={style} aria-hidden="true">
                      <strong>{a.section}</strong>
                    </div>
                  );
                })}
              <div className="seat-tiles" data-hidden={overview ? '' : undefined} style={{ width: frame.width, height: frame.height }}>
                {shownTiles.map((t) => (
                    <TileView
                      key={t.key}
                      tile={t}
                      st={st}
                      ox={ox}
                      oy={oy}
                      statuses={statuses}
                      selected={selected}
                      colours={colours}
                      selectable={selectable}
                      roving={rovingId !== undefined && tileOf.get(rovingId) === t.key ? rovingId : undefined}
                      currency={currency}
                      withCategory={withCategory}
                    />
                  ))}
              </div>
            </div>
            {overview &&
              shapes.map((sh) => {
                const c = sectionCounts.get(sh.name)!;
                const price = formatPriceRange(c.prices, currency);
                const left = `${c.left} of ${sh.ids.length} seats left`;
                // A small shape gets a small label (its name and seats left); the full words stay in its name.
                const w = (sh.box.x1 - sh.box.x0) * BASE * view.s;
                const h = (sh.box.y1 - sh.box.y0) * BASE * view.s;
                const compact = w < 170 || h < 76;
                return (
                  <button
                    key={`zone-${sh.name}`}
                    type="button"
                    className={`section-zone level-${availabilityLevel(c.left, sh.ids.length)}${compact ? ' section-zone-compact' : ''}`}
                    style={{ left: (sh.cx * BASE + ox) * view.s + view.offX, top: (sh.cy * BASE + oy) * view.s }}
                    aria-label={`${sh.name}, ${price}, ${c.left === 0 ? "sold out" : left}. Show its seats`}
                    onClick={() => zoomIntoSection(sh, true)}
                  >
                    <strong>{sh.name}</strong>
                    {!compact && <span>{price}</span>}
                    <span>{c.left === 0 ? 'Sold out' : compact ? `${c.left} left` : left}</span>
                  </button>
                );
              })}
            {overview &&
              st.areas.map((a) => {
                const info = areaInfo.get(a.section);
                if (!info) return null;
                const w = (a.box.x1 - a.box.x0) * BASE * view.s;
                const h = (a.box.y1 - a.box.y0) * BASE * view.s;
                const compact = w < 170 || h < 76;
                const style = { left: (a.cx * BASE + ox) * view.s + view.offX, top: (a.cy * BASE + oy) * view.s, backgroundColor: colours.get(a.category) ?? '#ddd' };
                const cls = `section-zone standing-zone${compact ? ' section-zone-compact' : ''}`;
                return onPickStanding ? (
                  <button
                    key={`area-zone-${a.section}`}
                    type="button"
                    className={cls}
                    style={style}
                    data-area={a.section}
                    aria-label={standingName(info, currency)}
                    onClick={() => onPickStanding(a.section)}
                  >
                    <strong>{a.section}</strong>
                    {!compact && <span>Standing · {formatPrice(info.price_cents, currency)}</span>}
                    <span>{info.available > 0 ? areaPlacesLeft(info.available) : 'Sold out'}</span>
                  </button>
                ) : (
                  <div key={`area-zone-${a.section}`} className={cls} style={style} aria-hidden="true">
                    <strong>{a.section}</strong>
                  </div>
                );
              })}
          </div>
        </div>
      </div>
    </div>
  );
});

export function Legend({ colours, prices, currency }: { colours: ReadonlyMap<string, string>; prices: Record<string, number>; currency?: string }) {
  return (
    <ul className="legend" aria-label="Legend">
      {[...colours].map(([cat, colour]) => (
        <li key={cat}>
          <span className="swatch" style={{ backgroundColor: colour }} aria-hidden="true" /> {cat}
          {prices[cat] !== undefined ? ` – ${formatPrice(prices[cat], currency)}` : ''}
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
