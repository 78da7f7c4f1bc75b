-- The tamper-evident log: a salt per event, the Merkle tree's stored hashes, signed checkpoints,
-- and the extracts issued (each also an event of the log).

-- Each event's leaf commits to the event with a random salt, so that a proof of inclusion reveals
-- nothing about a low-entropy value in it. Written by the same INSERT as the event.
ALTER TABLE events ADD COLUMN salt BLOB;

-- Events recorded before this migration get their salt now: none of them is in a tree yet.
DROP TRIGGER events_no_update;
UPDATE events SET salt = randomblob(32) WHERE salt IS NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- The tree's hashes in the stored-hash order of Crosby and Wallach (as Go's sumdb/tlog keeps
-- them): leaf i's hash at stored_hash_index(0, i), each completed subtree's after its last leaf.
CREATE TABLE tree_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- How many events the stored hashes cover (one row).
CREATE TABLE tree_size (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
) STRICT;
INSERT INTO tree_size (id, size) VALUES (1, 0);

-- Signed checkpoints (C2SP tlog-checkpoint as a signed note), oldest first.
CREATE TABLE checkpoints (
    id        INTEGER PRIMARY KEY,
    size      INTEGER NOT NULL,
    root      BLOB NOT NULL CHECK (length(root) = 32),
    note      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX checkpoints_by_size ON checkpoints (size);

-- Extracts issued: the signed document (without its proof, which is recomputed on demand) and the
-- event that records the issuance.
CREATE TABLE extracts (
    number    TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    kind      TEXT NOT NULL,
    made_at   INTEGER NOT NULL,
    event_seq INTEGER NOT NULL,
    -- The signed document, sealed: it holds the name, masked identifiers and the fitness category.
    document  BLOB NOT NULL
) STRICT;
CREATE INDEX extracts_by_person ON extracts (person_id);
