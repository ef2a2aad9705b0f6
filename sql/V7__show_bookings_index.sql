-- The box office lists a show's bookings, newest first, and the show report sums them.
-- No column of this index changes after a booking is written (status is not in it), so
-- confirms, cancels and expiries stay heap-only updates (see V2); only a hold's insert
-- writes into it, and no write transaction reads it.
CREATE INDEX bookings_show_created_idx ON bookings (show_id, created_at DESC, id DESC);
