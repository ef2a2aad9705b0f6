-- The per-user hold cap and the booking lifecycle outbox.

-- Seats the user holds right now (in PENDING bookings), kept by the transactions that
-- change bookings: a hold adds its seats in the same statement that inserts the booking,
-- and only while the sum stays within the configured cap; a confirm, cancel or expiry of
-- a PENDING booking subtracts them. A counter on the user's own row, not a COUNT over
-- bookings: the hold locks one row it already owns, and reads no index range that other
-- users' bookings are inserted into (which, under SERIALIZABLE, would make unrelated holds
-- abort each other).
ALTER TABLE users ADD COLUMN held_seats int NOT NULL DEFAULT 0 CHECK (held_seats >= 0);
-- Room on each page for the new version of an updated user row, so that changing the count
-- is a heap-only update: on a full page the update would write a new `users_pkey` entry
-- into a leaf page that every concurrent hold has read (its predicate lock, under
-- SERIALIZABLE), and confirms and holds of unrelated users would abort each other.
ALTER TABLE users SET (fillfactor = 50);

UPDATE users u SET held_seats = p.seats
FROM (SELECT user_id, sum(cardinality(seat_ids))::int AS seats
      FROM bookings WHERE status = 'PENDING' GROUP BY user_id) p
WHERE u.id = p.user_id;

-- Every booking change (held, confirmed, cancelled, expired), written by the transaction
-- that made it and relayed afterwards to a Redis Stream for downstream systems. A row is
-- deleted once the stream has it, so the table holds only what is not yet delivered.
-- Written by a trigger, so no code path (nor a hand-made fix in psql) can change a
-- booking without its event.
CREATE TABLE outbox (
    -- Delivery order. A transaction that started earlier may commit later, so ids are
    -- not a global commit order; one booking's events are in order, because each change
    -- of a booking locks its row and so commits before the next one starts.
    id          bigserial   PRIMARY KEY,
    event_type  text        NOT NULL CHECK (event_type IN ('held', 'confirmed', 'cancelled', 'expired')),
    booking_id  uuid        NOT NULL,
    payload     jsonb       NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION booking_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'held';
    ELSIF NEW.status = OLD.status THEN
        RETURN NULL;
    ELSIF NEW.status = 'CONFIRMED' THEN
        kind := 'confirmed';
    ELSIF NEW.failure_reason = 'CANCELLED' THEN
        kind := 'cancelled';
    ELSE
        kind := 'expired';
    END IF;
    INSERT INTO outbox (event_type, booking_id, payload)
    VALUES (kind, NEW.id, jsonb_build_object(
        'booking_id', NEW.id,
        'user_id', NEW.user_id,
        'show_id', NEW.show_id,
        'status', NEW.status,
        'failure_reason', NEW.failure_reason,
        'seat_ids', to_jsonb(NEW.seat_ids),
        'seat_labels', to_jsonb(NEW.seat_labels),
        'total_cents', NEW.total_cents,
        'expires_at', NEW.expires_at,
        'occurred_at', NEW.updated_at));
    RETURN NULL;
END
$$;

CREATE TRIGGER bookings_outbox
    AFTER INSERT OR UPDATE OF status ON bookings
    FOR EACH ROW EXECUTE FUNCTION booking_outbox();
