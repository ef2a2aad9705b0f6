-- The venue's time zone (an IANA name such as 'Europe/Lisbon'): the API keeps times in UTC
-- and adds the zone, in which people at the venue read them, and in which appointment
-- slots are laid out. Shows made before it are in UTC, as their times were shown.
ALTER TABLE shows ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
