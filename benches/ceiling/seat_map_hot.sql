-- seat_map_hot: read the hot show's full seat map (20,000 rows; pgbench -D hot=ID).
SELECT seat_id, section, row_label, seat_number, status FROM seats WHERE show_id = :hot ORDER BY seat_id;
