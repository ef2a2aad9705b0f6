-- Seats an admin takes off sale (house seats, a broken seat): status BLOCKED, with the
-- reason. A blocked seat has no booking, counts as taken in its seat row's counter (so
-- available_seats leaves it out), and no hold can take it.
ALTER TABLE seats ADD COLUMN block_reason text;

-- The new rules are added NOT VALID and then validated: adding holds the table's lock only
-- for a moment, and validating (a scan of every seat) lets holds go on meanwhile.
ALTER TABLE seats
    DROP CONSTRAINT seats_status_check,
    DROP CONSTRAINT seats_check,
    ADD CONSTRAINT seats_status_check
        CHECK (status IN ('AVAILABLE', 'HELD', 'BOOKED', 'BLOCKED')) NOT VALID,
    ADD CONSTRAINT seats_booking_check
        CHECK ((status IN ('AVAILABLE', 'BLOCKED')) = (booking_id IS NULL)) NOT VALID,
    ADD CONSTRAINT seats_block_check
        CHECK ((status = 'BLOCKED') = (block_reason IS NOT NULL)) NOT VALID;
ALTER TABLE seats VALIDATE CONSTRAINT seats_status_check;
ALTER TABLE seats VALIDATE CONSTRAINT seats_booking_check;
ALTER TABLE seats VALIDATE CONSTRAINT seats_block_check;
