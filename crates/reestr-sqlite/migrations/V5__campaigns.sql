-- Campaigns: a cohort summoned at once with a quota per region. The campaign's specification is
-- JSON (purpose, cohort, appointments, commissariat); each region's quota and progress is a row,
-- updated in the transaction of each batch, so an interrupted issue resumes where it stood.

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('draft', 'issuing', 'done')),
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    -- Who started issuing: the actor of every summons the campaign posts.
    issued_by   TEXT,
    started_at  INTEGER,
    finished_at INTEGER
) STRICT;

CREATE TABLE campaign_regions (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    region      INTEGER NOT NULL,
    quota       INTEGER NOT NULL,
    -- Summonses posted so far.
    issued      INTEGER NOT NULL DEFAULT 0,
    -- Persons of the cohort passed over because they held an open summons.
    held_open   INTEGER NOT NULL DEFAULT 0,
    -- Every person of the region up to this id has been considered.
    last_person INTEGER NOT NULL DEFAULT 0,
    -- When the quota was reached or the region's persons ran out.
    finished_at INTEGER,
    PRIMARY KEY (campaign_id, region)
) STRICT, WITHOUT ROWID;

-- Who a campaign summoned: one summons per person per campaign, whatever happens.
CREATE TABLE campaign_members (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    summons     TEXT NOT NULL,
    region      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, person_id)
) STRICT, WITHOUT ROWID;

-- A region's persons in id order, for walking a cohort by cursor.
CREATE INDEX persons_by_region ON persons (region, id);
