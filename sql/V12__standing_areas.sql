-- Standing areas (a festival floor, general admission): a layout section may be a number of
-- places instead of rows. Each place is a row of `seats` like any seat (locked, held, sold
-- and expired the same way), but they are sold by quantity only and never drawn.
--
-- Their seat-row counters are blocks of a few places (layout.rs, STANDING_BLOCK), so that
-- concurrent holds on one floor update different counter rows. Holds by quantity in a
-- section find its blocks here, with how many places each has left.
ALTER TABLE show_rows
    ADD COLUMN section text,
    ADD COLUMN standing boolean NOT NULL DEFAULT false;
UPDATE show_rows r SET section = (
    SELECT s.section FROM seats s WHERE s.show_id = r.show_id AND s.row_no = r.row_no LIMIT 1);
ALTER TABLE show_rows ALTER COLUMN section SET NOT NULL;

-- The first seat id of each seat row: a row's seats have consecutive ids, so a hold that
-- picks places of a standing block reads just that id range.
ALTER TABLE show_rows ADD COLUMN first_seat int;
UPDATE show_rows r SET first_seat = (
    SELECT min(s.seat_id) FROM seats s WHERE s.show_id = r.show_id AND s.row_no = r.row_no);
ALTER TABLE show_rows ALTER COLUMN first_seat SET NOT NULL;
