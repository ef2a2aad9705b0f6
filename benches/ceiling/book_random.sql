-- book_random: hold seats on a random one of :shows shows (pgbench -D shows=N; 500 seats each),
-- SERIALIZABLE. Low contention.
-- One pgbench "transaction" = one hold attempt: lock 2-4 adjacent seats FOR UPDATE,
-- check they are free, INSERT a PENDING booking (expires in 2 min), mark seats HELD, COMMIT.
-- If any seat is taken the attempt ROLLBACKs (a "miss"; count successes from the bookings table).
-- A seat counts as free if AVAILABLE or HELD with an expired hold (lazy expiry, same rows touched).
-- Run with --max-tries (e.g. --max-tries=10) so serialization failures/deadlocks are retried.
\set show random(1, :shows)
\set n random(2, 4)
\set first random(1, 501 - :n)
\set last :first + :n - 1
\set user random(1, 10000000)
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) FILTER (WHERE status = 'AVAILABLE' OR (status = 'HELD' AND held_until < now())) AS avail FROM (SELECT status, held_until FROM seats WHERE show_id = :show AND seat_id BETWEEN :first AND :last ORDER BY seat_id FOR UPDATE) s \gset
\if :avail = :n
INSERT INTO bookings (show_id, user_id, status, expires_at) VALUES (:show, :user, 'PENDING', now() + interval '2 minutes') RETURNING id AS booking_id \gset
UPDATE seats SET status = 'HELD', booking_id = :booking_id, held_until = now() + interval '120 seconds' WHERE show_id = :show AND seat_id BETWEEN :first AND :last;
COMMIT;
\else
ROLLBACK;
\endif
