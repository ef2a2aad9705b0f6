-- Appointment slots: a section of a layout may be a practitioner's session of slots
-- instead of rows, each slot one bookable place (a seat row here, so holds, confirms,
-- expiry and every guarantee are the same as for seats).
--
-- A slot's time is kept as minutes after midnight and a length, not as a timestamp: it
-- is a local time on the show's day in the show's time zone, so moving the show to
-- another day (or zone) moves its slots with it. The seat map turns them into instants.
ALTER TABLE seats
    ADD COLUMN slot_start_minute int CHECK (slot_start_minute BETWEEN 0 AND 1439),
    ADD COLUMN slot_minutes int CHECK (slot_minutes > 0),
    ADD CONSTRAINT seats_slot_check CHECK ((slot_start_minute IS NULL) = (slot_minutes IS NULL));
