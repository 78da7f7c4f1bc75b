-- Paired with PostgreSQL's V7, which keeps a table of who holds an open summons because its
-- summonses are partitioned by region. Here summonses are one table whose person index answers
-- the same question directly, so this version changes nothing.
SELECT 1;
