-- Notices to citizens: the inbox (every notice, written in the transaction of the event that
-- causes it), the e-mail outbox (one row per notice and address: the idempotency key), the
-- reminders the legal clock sends, and each person's preferences. Version 5 is campaigns'.

CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    -- What caused it (an event's position, or a reminder): one notice per cause.
    cause      TEXT NOT NULL UNIQUE,
    -- The keyed hash of its verification code: the public check looks it up.
    code_hash  BLOB NOT NULL UNIQUE,
    -- The texts and the code, sealed.
    content    BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notices_person ON notices (person_id, id);

CREATE TABLE notice_mail (
    id           INTEGER PRIMARY KEY,
    notice_id    INTEGER NOT NULL REFERENCES notices (id),
    -- The keyed hash of the address, and the address sealed.
    address_hash BLOB NOT NULL,
    address      BLOB NOT NULL,
    not_before   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- The next attempt (after a backoff, or a sender's claim).
    next_at      INTEGER NOT NULL,
    last_error   TEXT,
    sent_at      INTEGER,
    dead_at      INTEGER,
    UNIQUE (notice_id, address_hash)
) STRICT;
CREATE INDEX notice_mail_pending ON notice_mail (next_at) WHERE sent_at IS NULL AND dead_at IS NULL;

CREATE TABLE notice_preferences (
    person_id  INTEGER PRIMARY KEY,
    prefs      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE reminders (
    summons   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    due_at    INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    done_at   INTEGER,
    PRIMARY KEY (summons, kind, due_at)
) STRICT, WITHOUT ROWID;
CREATE INDEX reminders_due ON reminders (due_at) WHERE done_at IS NULL;
