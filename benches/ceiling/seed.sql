-- :shows regular shows x 500 seats + 1 hot show (id :shows + 1) x 20,000 seats.
-- (psql -v shows=1000: the full run; the smoke run passes a small number.)
-- Regular show: 5 sections (A-E) x 5 rows x 20 seats. Hot show: 10 sections x 40 rows x 50 seats.
-- seat_id is 1..N within a show, numbered row by row, so seat_id BETWEEN a AND b = adjacent seats.
BEGIN;
INSERT INTO shows (id, name, venue, starts_at, total_seats, available_seats)
SELECT g, 'Show #' || g, 'Venue ' || (g % 37),
       now() + make_interval(hours => 6 + g * 8), 500, 500
FROM generate_series(1, :shows) g;
INSERT INTO shows (id, name, venue, starts_at, total_seats, available_seats)
VALUES (:shows + 1, 'HOT: Stadium show', 'Stadium', now() + interval '3 days', 20000, 20000);

INSERT INTO seats (show_id, seat_id, section, row_label, seat_number)
SELECT s, n,
       chr(65 + (n - 1) / 100),                     -- section A..E
       'R' || (((n - 1) % 100) / 20 + 1),            -- row R1..R5
       ((n - 1) % 20) + 1                            -- seat 1..20
FROM generate_series(1, :shows) s, generate_series(1, 500) n;

INSERT INTO seats (show_id, seat_id, section, row_label, seat_number)
SELECT :shows + 1, n,
       'S' || ((n - 1) / 2000 + 1),                  -- section S1..S10
       'R' || (((n - 1) % 2000) / 50 + 1),           -- row R1..R40
       ((n - 1) % 50) + 1                            -- seat 1..50
FROM generate_series(1, 20000) n;
COMMIT;
VACUUM (ANALYZE) shows;
VACUUM (ANALYZE) seats;
VACUUM (ANALYZE) bookings;
