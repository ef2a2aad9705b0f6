-- Live holds get a small table of their own, so that confirming, cancelling or expiring a
-- booking never changes an indexed column of `bookings`.
--
-- Why: the partial indexes `... WHERE status = 'PENDING'` made every status change a
-- non-HOT update, which inserts new entries into all of the table's indexes, including the
-- primary key. Under SERIALIZABLE, a confirm reads its booking through that primary key
-- (a predicate lock on the index page) and then writes new entries into the same kind of
-- page that other confirms had read: confirms formed read/write dependency cycles with each
-- other and were aborted as "pivots" again and again (the benchmark saw 503s after the
-- retry budget ran out). Now a status change is a heap-only update (room kept by the
-- fillfactor), touching no index page, and the hold bookkeeping lives here.
--
-- Invariant: a row here exists exactly while its booking is PENDING, with the same
-- expires_at. Every transaction that changes a booking's status maintains it in the same
-- statement. booking_id has no foreign key for the same reason seats.booking_id has none:
-- the check would predicate-lock the newest `bookings` primary-key pages.
CREATE TABLE pending_holds (
    booking_id uuid        PRIMARY KEY,
    show_id    bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);
-- The sweeper: holds in expiry order.
CREATE INDEX pending_holds_expires_idx ON pending_holds (expires_at);
-- Exact counts: a show's holds that have lapsed but are not swept yet, and its next lapse.
CREATE INDEX pending_holds_show_idx ON pending_holds (show_id, expires_at);

INSERT INTO pending_holds (booking_id, show_id, expires_at)
SELECT id, show_id, expires_at FROM bookings WHERE status = 'PENDING';

DROP INDEX bookings_pending_expires_idx;
DROP INDEX bookings_show_pending_idx;

-- Leave room on each page for the new row version of a status change (heap-only update).
ALTER TABLE bookings SET (fillfactor = 80);
