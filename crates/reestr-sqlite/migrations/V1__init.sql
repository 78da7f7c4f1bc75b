-- The register's tables. Instants are INTEGER microseconds since the Unix epoch (UTC).

CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    -- Blind indexes (keyed hashes) of the unique identifiers: lookups without plain values.
    snils        BLOB NOT NULL UNIQUE,
    passport     BLOB NOT NULL UNIQUE,
    inn          BLOB UNIQUE,
    -- Searchable, non-sensitive fields: "surname given_name", lower case, ё as е.
    name_key     TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    region       INTEGER NOT NULL,
    commissariat TEXT NOT NULL,
    -- The whole record with provenance; sensitive values sealed.
    record       BLOB NOT NULL
) STRICT;
CREATE INDEX persons_by_name ON persons (name_key, birth_date);

-- Earlier values of fields, each with the provenance it had and the event that replaced it.
CREATE TABLE person_history (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    field       TEXT NOT NULL,
    -- Sealed when the field is sensitive.
    value       BLOB NOT NULL,
    source      TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    replaced_at INTEGER NOT NULL,
    event_seq   INTEGER NOT NULL
) STRICT;
CREATE INDEX person_history_by_person ON person_history (person_id);

CREATE TABLE rollout (
    region     INTEGER PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state IN ('off', 'pilot', 'live')),
    changed_at INTEGER
) STRICT;

CREATE TABLE summons_counters (
    region INTEGER NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (region, year)
) STRICT;

CREATE TABLE summonses (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    region       INTEGER NOT NULL,
    commissariat TEXT NOT NULL,
    status       TEXT NOT NULL,
    posted_at    INTEGER NOT NULL,
    -- The next instant the legal clock has something to do; NULL when nothing is due.
    next_due_at  INTEGER,
    -- The whole summons, sealed; the columns above are for queries.
    state        BLOB NOT NULL
) STRICT;
CREATE INDEX summonses_due ON summonses (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX summonses_by_person ON summonses (person_id);

-- Measures of each summons, for queries such as "what is in force for this person".
CREATE TABLE measures (
    id          INTEGER PRIMARY KEY,
    summons_id  INTEGER NOT NULL REFERENCES summonses (id),
    person_id   INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    trigger     TEXT NOT NULL,
    lifted_at   INTEGER,
    lift_cause  TEXT,
    -- A measure starts at most once per instant: two clocks cannot both start it.
    UNIQUE (summons_id, kind, started_at)
) STRICT;
CREATE INDEX measures_in_force ON measures (person_id) WHERE lifted_at IS NULL;

-- The append-only log. seq is gap-free and in commit order (SQLite has one writer at a time).
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    recorded_at  INTEGER NOT NULL,
    effective_at INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    person_id    INTEGER,
    summons      TEXT,
    payload      TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_person ON events (person_id) WHERE person_id IS NOT NULL;

-- The log is append-only: the database itself refuses to change or delete an event.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
