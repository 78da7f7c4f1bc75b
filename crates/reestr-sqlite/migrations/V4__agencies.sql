-- Agencies that enforce measures (and security services), the deliveries of measure events to
-- them (an outbox per agency, written in the transaction of the event), their confirmations, and
-- webhook deliveries set aside after their retry window (dead letters).

CREATE TABLE agencies (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL CHECK (role IN ('agency', 'security_service')),
    webhook_url         TEXT,
    -- The webhook's signing secret, sealed.
    webhook_secret      BLOB,
    created_at          INTEGER NOT NULL,
    disabled_at         INTEGER,
    -- The highest log position the agency asked its feed for items after.
    feed_cursor         INTEGER NOT NULL DEFAULT 0,
    -- Webhooks: every delivery up to push_cursor was pushed or set aside; the run of failures.
    push_cursor         INTEGER NOT NULL DEFAULT 0,
    push_failures       INTEGER NOT NULL DEFAULT 0,
    push_failing_since  INTEGER,
    push_next_at        INTEGER,
    push_last_error     TEXT,
    push_last_success_at INTEGER
) STRICT;

-- The measure kinds each agency enforces (none for a security service).
CREATE TABLE agency_kinds (
    kind      TEXT NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (kind, agency_id)
) STRICT, WITHOUT ROWID;

-- One row per measure event and agency that enforces its kind. The event's seq is the item's
-- stable id; rows are written in the event's transaction, so an agency's feed read by seq never
-- skips one. No personal data: the person's number only.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies (id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    person_id    INTEGER NOT NULL,
    region       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    -- When the person's data in it was first handed to the agency (the read is logged then).
    disclosed_at INTEGER,
    confirmed_at INTEGER,
    UNIQUE (agency_id, seq)
) STRICT;
CREATE INDEX deliveries_unconfirmed ON deliveries (id) WHERE confirmed_at IS NULL;

CREATE TABLE dead_letters (
    agency_id           INTEGER NOT NULL REFERENCES agencies (id),
    seq                 INTEGER NOT NULL,
    attempts            INTEGER NOT NULL,
    last_error          TEXT NOT NULL,
    dead_at             INTEGER NOT NULL,
    replay_requested_at INTEGER,
    redelivered_at      INTEGER,
    PRIMARY KEY (agency_id, seq)
) STRICT, WITHOUT ROWID;

-- Measure events by position, for catching up a new agency without reading the whole log.
CREATE INDEX events_measures ON events (seq) WHERE kind IN ('measure_started', 'measure_lifted');

-- A key belongs to an agency.
ALTER TABLE api_keys ADD COLUMN agency_id INTEGER REFERENCES agencies (id);

-- Keys made before agencies were kept: each agency named by an agency key becomes an agency with
-- the kinds its keys had, its keys belong to it, and it receives every measure event of its kinds
-- from the start of the log.
INSERT INTO agencies (name, role, created_at)
SELECT json_extract(scope, '$.value.name'), 'agency', min(created_at)
FROM api_keys WHERE role = 'agency' AND json_extract(scope, '$.kind') = 'agency'
GROUP BY json_extract(scope, '$.value.name');

INSERT OR IGNORE INTO agency_kinds (kind, agency_id)
SELECT k.value, a.id
FROM api_keys, json_each(api_keys.scope, '$.value.kinds') AS k
JOIN agencies a ON a.name = json_extract(api_keys.scope, '$.value.name')
WHERE api_keys.role = 'agency';

UPDATE api_keys SET agency_id = (SELECT a.id FROM agencies a WHERE a.name = json_extract(api_keys.scope, '$.value.name'))
WHERE role = 'agency';

INSERT INTO deliveries (agency_id, seq, kind, person_id, region, created_at)
SELECT ak.agency_id, e.seq, json_extract(e.payload, '$.kind'), e.person_id, CAST(substr(e.summons, 1, 2) AS INTEGER),
       a.created_at
FROM events e
JOIN agency_kinds ak ON ak.kind = json_extract(e.payload, '$.kind')
JOIN agencies a ON a.id = ak.agency_id
WHERE e.kind IN ('measure_started', 'measure_lifted')
ORDER BY e.seq;
