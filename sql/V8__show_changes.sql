-- An admin may change a show's name, time and prices until it starts
-- (PATCH /admin/shows/{id}).
--
-- Prices live in each seat row (what a hold charges) and in the seat-map JSON each
-- instance prepares once per show (api/seat_json.rs). A price change bumps this version in
-- the same transaction as the seat rows, and an instance whose prepared JSON is older
-- rebuilds it: every read of the taken seats returns the version with them.
ALTER TABLE shows ADD COLUMN seats_version int NOT NULL DEFAULT 0;

-- A new name or time writes a `show_changed` event for every live booking of the show
-- (confirmed, or a hold that has not lapsed), so that buyers can be told. These rows are
-- written by the change itself, not by the bookings trigger: no booking row changes.
ALTER TABLE outbox
    DROP CONSTRAINT outbox_event_type_check,
    ADD CONSTRAINT outbox_event_type_check
        CHECK (event_type IN ('held', 'confirmed', 'cancelled', 'expired', 'show_changed'));
