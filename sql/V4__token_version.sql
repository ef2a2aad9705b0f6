-- Revocable access tokens. A token carries the version of its user's tokens at the time
-- it was issued; raising the version (POST /auth/logout-everywhere, or a new admin password
-- at start-up) makes every older token of that user invalid. Not indexed, so changing it is
-- a heap-only update like the held-seat count beside it.
ALTER TABLE users ADD COLUMN token_version int NOT NULL DEFAULT 0;
