-- Prices in a show's own currency, and tickets checked in at the door.

-- ISO 4217 code of the show's prices (the service checks it is a current code). Set when
-- the show is created and not changed afterwards: its bookings were paid in it. Shows
-- that existed before were priced in euros.
ALTER TABLE shows ADD COLUMN currency text NOT NULL DEFAULT 'EUR'
    CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE shows ALTER COLUMN currency DROP DEFAULT;

-- One row per ticket admitted: the seat of a confirmed booking. Tickets themselves are not
-- stored (a ticket's code is a MAC of show, seat and booking), so a confirm writes nothing
-- here; the key includes the booking, so a seat sold again after a cancellation is a new
-- ticket that has not been scanned.
CREATE TABLE check_ins (
    show_id       bigint      NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    seat_id       int         NOT NULL,
    booking_id    uuid        NOT NULL,
    checked_in_at timestamptz NOT NULL DEFAULT now(),
    -- The staff member (an admin) who scanned it.
    checked_in_by bigint      NOT NULL REFERENCES users (id),
    PRIMARY KEY (show_id, seat_id, booking_id)
);
