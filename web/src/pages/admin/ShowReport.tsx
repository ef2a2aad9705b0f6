import { useCallback, useEffect, useState } from 'react';
import { api, unwrap, type ShowReport as Report } from '../../api/client';
import { problemMessage } from '../../errors';
import { countOf, currencyOf, formatPrice } from '../../format';

export function fetchReport(showId: number): Promise<Report> {
  return api.GET('/admin/shows/{id}/report', { params: { path: { id: showId } } }).then(unwrap);
}

/** "1 of 3 booked": tickets checked in at the door, of the seats sold (read loosely: older answers lack the count). */
export function checkedInText(checkedIn: number | undefined, booked: number): string {
  return `${checkedIn ?? 0} of ${booked} booked`;
}

/** Seats by category and status, with a total row, and the show's sales figures. */
export function ReportTable({ report, currency }: { report: Report; currency?: string }) {
  const total = report.categories.reduce(
    (t, c) => ({ available: t.available + c.available, held: t.held + c.held, booked: t.booked + c.booked, blocked: t.blocked + c.blocked }),
    { available: 0, held: 0, booked: 0, blocked: 0 },
  );
  return (
    <>
      <table className="report">
        <caption className="sr-only">Seats by category and status</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Available</th>
            <th scope="col">Held</th>
            <th scope="col">Booked</th>
            <th scope="col">Blocked</th>
          </tr>
        </thead>
        <tbody>
          {report.categories.map((c) => (
            <tr key={c.category}>
              <th scope="row">{c.category}</th>
              <td>{c.available}</td>
              <td>{c.held}</td>
              <td>{c.booked}</td>
              <td>{c.blocked}</td>
            </tr>
          ))}
        </tbody>
        {report.categories.length > 1 && (
          <tfoot>
            <tr>
              <th scope="row">All</th>
              <td>{total.available}</td>
              <td>{total.held}</td>
              <td>{total.booked}</td>
              <td>{total.blocked}</td>
            </tr>
          </tfoot>
        )}
      </table>
      <dl className="report-figures">
        <div>
          <dt>Confirmed bookings</dt>
          <dd>{report.confirmed_bookings}</dd>
        </div>
        <div>
          <dt>Revenue</dt>
          <dd>{formatPrice(report.revenue_cents, currencyOf(report, { currency }))}</dd>
        </div>
        <div>
          <dt>Checked in</dt>
          <dd>{checkedInText(report.checked_in, total.booked)}</dd>
        </div>
        {report.categories.length > 1 && (
          <div>
            <dt>Checked in by category</dt>
            <dd>{report.categories.map((c) => `${c.category} ${checkedInText(c.checked_in, c.booked)}`).join(', ')}</dd>
          </div>
        )}
        <div>
          <dt>Live holds</dt>
          <dd>
            {report.live_holds} ({countOf(report.held_seats, 'seat')})
          </dd>
        </div>
        {report.blocked_seats.length > 0 && (
          <div>
            <dt>Blocked seats</dt>
            <dd>{report.blocked_seats.map((b) => `${b.label} (${b.reason})`).join(', ')}</dd>
          </div>
        )}
      </dl>
    </>
  );
}

/** The show's report, loaded now and whenever `revision` changes, and on "Refresh report". */
export function ShowReport({ showId, revision, currency }: { showId: number; revision: number; currency?: string }) {
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setReport(await fetchReport(showId));
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setLoading(false);
    }
  }, [showId]);

  useEffect(() => {
    load();
  }, [load, revision]);

  return (
    <section aria-labelledby="report-h" className="admin-card">
      <h3 id="report-h">Sales report</h3>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {report && <ReportTable report={report} currency={currency} />}
      {/* Not disabled while loading, so keyboard focus stays on it. */}
      <button type="button" onClick={() => !loading && load()} aria-busy={loading}>
        Refresh report
      </button>
    </section>
  );
}
