import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

/**
 * A modal confirmation (role="dialog", aria-modal). On open, focus goes to the safe choice
 * (`cancelLabel`); Tab and Shift+Tab stay inside; Escape or the safe choice closes it; on close focus
 * returns to where it was (the button that opened it).
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel,
  onConfirm,
  onCancel,
  busy = false,
  error,
}: {
  title: string;
  /** The message: what confirming does. */
  children: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
  busy?: boolean;
  error?: string | null;
}) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  const safeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    safeRef.current?.focus();
    return () => {
      if (before?.isConnected) before.focus();
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (!busy) onCancel();
      return;
    }
    if (e.key !== 'Tab') return;
    const focusable = [...(ref.current?.querySelectorAll<HTMLElement>('button:not(:disabled), [href], input, select, [tabindex="0"]') ?? [])];
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="dialog-backdrop">
      <div
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        onKeyDown={onKeyDown}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-body`}>{children}</div>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        <p className="dialog-actions">
          {/* Not disabled while busy, so focus stays put; clicks are ignored instead. */}
          <button type="button" ref={safeRef} onClick={() => !busy && onCancel()} aria-disabled={busy || undefined}>
            {cancelLabel}
          </button>{' '}
          <button type="button" className="danger" onClick={() => !busy && onConfirm()} aria-disabled={busy || undefined} aria-busy={busy}>
            {confirmLabel}
          </button>
        </p>
      </div>
    </div>
  );
}
