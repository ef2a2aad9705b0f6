-- An admin may cancel a show before it starts (POST /admin/shows/{id}/cancel).
--
-- The show stays (lists show it as cancelled; its bookings stay readable) and takes no
-- more holds. Every live booking becomes FAILED with the reason SHOW_CANCELLED (a hold that
-- had already lapsed becomes EXPIRED, as the sweeper would have made it) and its seats are
-- freed, in the same transaction that sets `cancelled_at`.
ALTER TABLE shows ADD COLUMN cancelled_at timestamptz;

-- The constraint V1 declared inline has PostgreSQL's generated name.
ALTER TABLE bookings
    DROP CONSTRAINT bookings_failure_reason_check,
    ADD CONSTRAINT bookings_failure_reason_check
        CHECK (failure_reason IN ('EXPIRED', 'CANCELLED', 'SHOW_CANCELLED'));

-- A booking cancelled with its show is a `cancelled` event like one its buyer cancelled;
-- `failure_reason` in the payload tells them apart. Otherwise as in V3.
CREATE OR REPLACE FUNCTION booking_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'held';
    ELSIF NEW.status = OLD.status THEN
        RETURN NULL;
    ELSIF NEW.status = 'CONFIRMED' THEN
        kind := 'confirmed';
    ELSIF NEW.failure_reason IN ('CANCELLED', 'SHOW_CANCELLED') THEN
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
