import { useEffect, useRef, useState } from 'react';
import { api, unwrap, type CancelledShow, type Show, type ShowReport } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { problemMessage } from '../../errors';
import { countOf, formatDateTime } from '../../format';
import { fetchReport } from './ShowReport';

/** What the confirmation says cancelling will do, from the show's report. */
export function cancelConfirmationText(report: Pick<ShowReport, 'confirmed_bookings' | 'live_holds'>): string {
  const { confirmed_bookings: bookings, live_holds: holds } = report;
  if (bookings === 0 && holds === 0) {
    return 'This show has no confirmed bookings or holds to cancel; it will take no more. This cannot be undone.';
  }
  return `This cancels ${countOf(bookings, 'confirmed booking')} and ${countOf(holds, 'hold')}. Buyers' bookings become SHOW_CANCELLED. This cannot be undone.`;
}

/** What the cancellation did, from the service's answer. */
export function cancelResultText(r: Pick<CancelledShow, 'bookings_cancelled' | 'holds_cancelled' | 'holds_expired'>): string {
  let text = `Show cancelled: ${countOf(r.bookings_cancelled, 'confirmed booking')} and ${countOf(r.holds_cancelled, 'hold')} cancelled.`;
  if (r.holds_expired > 0) text += ` ${countOf(r.holds_expired, 'hold')} that had run out ${r.holds_expired === 1 ? 'was' : 'were'} marked expired.`;
  return text;
}

/**
 * "Cancel show…": fetches the report, asks for confirmation in a dialog that says how many bookings and
 * holds go with the show, then cancels it and says what was cancelled.
 */
export function CancelShow({ show, onCancelled }: { show: Show; onCancelled(result: CancelledShow): void }) {
  const [report, setReport] = useState<ShowReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const ask = async () => {
    if (loading) return;
    setLoading(true);
    setError(null);
    setDialogError(null);
    try {
      setReport(await fetchReport(show.id));
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setLoading(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    setDialogError(null);
    try {
      const r = unwrap(await api.POST('/admin/shows/{id}/cancel', { params: { path: { id: show.id } } }));
      setReport(null);
      setResult(cancelResultText(r));
      onCancelled(r);
    } catch (e) {
      setDialogError(problemMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="cancel-h" className="admin-card">
      <h3 id="cancel-h">Cancel show</h3>
      {result && (
        <div ref={resultRef} tabIndex={-1} className="success" role="status">
          {result}
        </div>
      )}
      {show.cancelled_at ? (
        <p>This show was cancelled on {formatDateTime(show.cancelled_at, show.time_zone)}. It takes no holds, sales or changes.</p>
      ) : (
        <>
          <p className="muted">Cancelling fails every confirmed booking and live hold of the show, and the show takes no more.</p>
          {error && (
            <div className="error" role="alert">
              {error}
            </div>
          )}
          {/* Not disabled while the report loads, so keyboard focus stays on it (and returns to it). */}
          <button type="button" className="danger" onClick={ask} aria-haspopup="dialog" aria-busy={loading}>
            Cancel show…
          </button>
        </>
      )}
      {report && !show.cancelled_at && (
        <ConfirmDialog
          title={`Cancel “${show.name}”?`}
          confirmLabel="Cancel show"
          cancelLabel="Keep show"
          onConfirm={cancel}
          onCancel={() => setReport(null)}
          busy={busy}
          error={dialogError}
        >
          <p>{cancelConfirmationText(report)}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
