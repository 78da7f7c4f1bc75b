-- Users, sessions, API keys, the slowing of password guessing, and correction requests.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    person_id     INTEGER REFERENCES persons (id),
    -- argon2id, PHC form.
    password_hash TEXT NOT NULL,
    -- The second-factor seed, sealed.
    totp          BLOB,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
) STRICT;

-- Sessions and devices are kept by the SHA-256 of their tokens, never the tokens.
CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE devices (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    prefix      TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL,
    role        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;

-- Failed logins by keyed hash of the account name or the client's address.
CREATE TABLE login_throttle (
    key             BLOB PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    commissariat TEXT NOT NULL,
    subject      TEXT NOT NULL,
    -- The request and the answer, sealed.
    request      BLOB NOT NULL,
    filed_at     INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    answered_at  INTEGER,
    answer       BLOB
) STRICT;
CREATE INDEX corrections_open ON corrections (commissariat, due_at) WHERE answered_at IS NULL;
CREATE INDEX corrections_by_person ON corrections (person_id);

CREATE INDEX summonses_by_commissariat ON summonses (commissariat, id);
