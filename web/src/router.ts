import { useEffect, useSyncExternalStore } from 'react';

/**
 * Path routes (/shows/3) on the History API. The service answers every unknown non-API path with
 * index.html, so a deep link or a reload lands here and the route is read from the path.
 *
 * Links are plain `<a href="/shows/3">`: one delegated click handler (installed by `useRoute`)
 * turns plain left clicks on in-app links into `navigate()`, so they change the page without a
 * reload, while modified / middle clicks, `target`/`download` links and other origins keep the
 * browser's own behaviour (new tab, save, …).
 */

const listeners = new Set<() => void>();

function currentPath(): string {
  return window.location.pathname || '/';
}

function notify(): void {
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('popstate', notify);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

/** The paths this app renders itself; anything else (API, /docs, …) is left to the browser. */
export function isAppRoute(path: string): boolean {
  return /^\/(?:shows\/\d+|bookings(?:\/[^/]+)?|login|admin(?:\/check-in)?)?$/.test(path);
}

/** Go to an in-app path (`/shows/3`); adds a history entry unless `replace`. */
export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  const url = new URL(path, window.location.href);
  const target = url.pathname + url.search + url.hash;
  const here = window.location.pathname + window.location.search + window.location.hash;
  if (target !== here) {
    if (replace) window.history.replaceState(null, '', target);
    else window.history.pushState(null, '', target);
    if (!replace) window.scrollTo(0, 0);
  }
  notify();
}

/** Delegated handler: in-app links navigate without a page load (plain left clicks only). */
function onDocumentClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || !a.hasAttribute('href') || a.hasAttribute('download')) return;
  if (a.target && a.target !== '_self') return;
  const href = a.getAttribute('href') ?? '';
  if (href.startsWith('#')) return; // in-page anchors (skip link)
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !isAppRoute(url.pathname)) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

/** Links saved from the old hash routes (`/#/shows/3`) open the same page; call before the first render. */
export function upgradeHashRoute(): void {
  const h = window.location.hash;
  if (h.startsWith('#/') && isAppRoute(h.slice(1).split('?')[0])) window.history.replaceState(null, '', h.slice(1));
}

/** The current path; re-renders on navigate() and back/forward. Mount once, at the app root. */
export function useRoute(): string {
  useEffect(() => {
    document.addEventListener('click', onDocumentClick);
    return () => document.removeEventListener('click', onDocumentClick);
  }, []);
  return useSyncExternalStore(subscribe, currentPath);
}
