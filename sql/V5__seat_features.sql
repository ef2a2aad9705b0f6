-- What a buyer should know of a seat besides its category: `wheelchair` (a wheelchair
-- space) and `aisle` (next to an aisle), from the layout's rows. Fixed when the show is
-- created, like the rest of a seat's description; no index (a hold never reads it, and
-- an index on `seats` would make status changes non-HOT, see V1).
ALTER TABLE seats ADD COLUMN features text[] NOT NULL DEFAULT '{}';
