-- Tessera core schema: users, layouts, shows, their seats, bookings.
--
-- Conventions
--   * Status columns are text + CHECK: readable in psql, no custom type glue in the driver.
--   * Timestamps are timestamptz; the database clock (now()) is the one clock that decides
--     whether a hold has expired, so every instance agrees.
--   * Money is integer cents (bigint).

-- Buyers and admins. Emails are stored lower-cased; the unique index is what makes
-- "register" and the start-up admin upsert safe when several run at once.
CREATE TABLE users (
    id            bigserial   PRIMARY KEY,
    email         text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Service-wide settings that every instance must share, e.g. the token signing secret
-- generated on first start when JWT_SECRET is not configured.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- A venue's seat plan as the admin described it (sections -> rows -> seat counts).
-- The definition is kept verbatim; seats are materialised per show, not per layout,
-- because every show sells its own copy of the plan.
CREATE TABLE layouts (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL,
    seat_count int         NOT NULL CHECK (seat_count > 0),
    definition jsonb       NOT NULL,
    -- Set only by `tessera seed`: makes re-running a seed file a no-op.
    seed_key   text        UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shows (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('movie', 'bus', 'appointment', 'event')),
    starts_at   timestamptz NOT NULL,
    layout_id   bigint      REFERENCES layouts (id),
    total_seats int         NOT NULL CHECK (total_seats > 0),
    -- category -> price in cents, as given at creation (each seat also carries its price).
    prices      jsonb       NOT NULL,
    seed_key    text        UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- GET /shows pages by (starts_at, id) and filters by kind.
CREATE INDEX shows_starts_at_idx ON shows (starts_at, id);
CREATE INDEX shows_kind_starts_at_idx ON shows (kind, starts_at, id);

-- Per-show, per-seat-row counters: how many seats of the row are taken (held or booked).
--
-- Why per seat row and not one counter per show: every hold must keep the count exact in
-- the same SERIALIZABLE transaction, and an UPDATE of a shared row makes concurrent holds
-- queue on its lock and then abort with a serialization failure (measured with pgbench:
-- 2,300 -> 470 holds/s at 8 clients on one hot show). A hold touches the counter of the
-- seat rows it takes, so holds on different seat rows never meet; holds in the same seat
-- row usually compete for the same seats anyway. The row counters also let "best
-- available" skip rows that cannot fit a party.
--
-- available_seats(show) = sum(seat_count - taken)
--                       + seats still pointing at a PENDING booking past its expiry
-- (the second term is what makes expiry exact before the sweeper runs; it is found
-- through the lapsed bookings, which the sweeper keeps few).
CREATE TABLE show_rows (
    show_id    bigint   NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    row_no     int      NOT NULL,   -- 0-based position of the row in the layout, front first
    category   text     NOT NULL,   -- every seat of a row shares the row's category
    seat_count int      NOT NULL CHECK (seat_count > 0),
    taken      int      NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= seat_count),
    PRIMARY KEY (show_id, row_no)
) WITH (fillfactor = 50);  -- counters are updated in place (HOT), never indexed

-- One row per seat of a show: the unit that is locked, held and sold.
CREATE TABLE seats (
    show_id     bigint      NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    seat_id     int         NOT NULL,  -- 1..total_seats within the show, in layout order
    label       text        NOT NULL,  -- row label + number, unique within the show ("A12")
    section     text        NOT NULL,
    row_no      int         NOT NULL,
    row_label   text        NOT NULL,
    number      int         NOT NULL,  -- 1-based position within the row; adjacent numbers sit side by side
    category    text        NOT NULL,
    price_cents bigint      NOT NULL CHECK (price_cents >= 0),
    x           real        NOT NULL,  -- drawing position in seat widths
    y           real        NOT NULL,  -- drawing position in row heights
    status      text        NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'HELD', 'BOOKED')),
    -- The booking that holds or bought this seat. Deliberately not a FOREIGN KEY: under
    -- SERIALIZABLE the FK check reads the bookings primary-key page that every concurrent
    -- hold inserts into, which turns unrelated holds into serialization failures (measured:
    -- 2,900 -> 279 holds/s). The seat and its booking are written in one transaction, and
    -- the invariant tests check the pairing.
    booking_id  uuid,
    held_until  timestamptz,
    PRIMARY KEY (show_id, seat_id),
    CHECK ((status = 'AVAILABLE') = (booking_id IS NULL)),
    CHECK ((status = 'HELD') = (held_until IS NOT NULL))
);
-- No secondary index covers status, booking_id or held_until, on purpose: then a hold,
-- confirm or cancel is a HOT update (the new row version stays on its heap page and no
-- index entry is written). Under SERIALIZABLE that matters: holds read the primary-key
-- page of their seats, and an index write into a page another hold has read is an
-- rw-conflict, so neighbouring seats held at the same moment would abort each other.
-- The fill factor leaves each page room for the updated versions.
ALTER TABLE seats SET (fillfactor = 70);

-- A hold (PENDING) that becomes CONFIRMED or FAILED (EXPIRED / CANCELLED).
-- Ids are random UUIDs: unguessable, and concurrent inserts spread over the index instead
-- of all landing on its newest page.
CREATE TABLE bookings (
    id             uuid        PRIMARY KEY,
    user_id        bigint      NOT NULL REFERENCES users (id),
    show_id        bigint      NOT NULL REFERENCES shows (id),
    status         text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED')),
    failure_reason text        CHECK (failure_reason IN ('EXPIRED', 'CANCELLED')),
    -- The seats as held, kept after the seats are released so the booking stays readable.
    seat_ids       int[]       NOT NULL,
    seat_labels    text[]      NOT NULL,
    total_cents    bigint      NOT NULL CHECK (total_cents >= 0),
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
);
-- GET /bookings: own bookings, newest first.
CREATE INDEX bookings_user_created_idx ON bookings (user_id, created_at DESC, id DESC);
-- The sweeper: PENDING holds in expiry order.
CREATE INDEX bookings_pending_expires_idx ON bookings (expires_at) WHERE status = 'PENDING';
-- Exact counts: a show's PENDING holds that have lapsed but are not swept yet.
CREATE INDEX bookings_show_pending_idx ON bookings (show_id, expires_at) WHERE status = 'PENDING';

-- Idempotency-Key support for POST /bookings. The key row is inserted in the same
-- transaction as the booking it produced, so a retried request either finds the finished
-- booking or (if the first attempt rolled back) holds afresh; there is no half state.
CREATE TABLE idempotency_keys (
    user_id      bigint      NOT NULL REFERENCES users (id),
    key          text        NOT NULL,
    request_hash text        NOT NULL,  -- fingerprint of the request body: same key + other body = misuse
    booking_id   uuid        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
