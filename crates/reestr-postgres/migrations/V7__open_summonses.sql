-- Who holds an open summons, in one index for the whole register. Summonses are partitioned by
-- region, so looking a person up in them probes every region's partition, and a campaign's
-- cohort asks it of every person. A trigger keeps this table in the transaction that posts or
-- closes the summons (COPY and restores fire it too). Paired with SQLite's V7, which needs no
-- such table: its summonses are one table with a person index.
CREATE TABLE open_summonses (
    person_id  bigint NOT NULL,
    summons_id bigint NOT NULL,
    PRIMARY KEY (person_id, summons_id)
);

INSERT INTO open_summonses (person_id, summons_id)
SELECT person_id, id FROM summonses WHERE status NOT IN ('appeared', 'cancelled');

CREATE FUNCTION keep_open_summonses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status NOT IN ('appeared', 'cancelled') THEN
            INSERT INTO open_summonses (person_id, summons_id) VALUES (NEW.person_id, NEW.id);
        END IF;
    ELSE
        DELETE FROM open_summonses WHERE person_id = OLD.person_id AND summons_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER summonses_open AFTER INSERT ON summonses
    FOR EACH ROW EXECUTE FUNCTION keep_open_summonses();
-- A summons closes once (appeared or cancelled) and never reopens.
CREATE TRIGGER summonses_closed AFTER UPDATE OF status ON summonses
    FOR EACH ROW WHEN (OLD.status NOT IN ('appeared', 'cancelled') AND NEW.status IN ('appeared', 'cancelled'))
    EXECUTE FUNCTION keep_open_summonses();
