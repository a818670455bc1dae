-- where each sample came from: 0 polled, 1 backfilled (a platform's record of
-- past counts, exact), 2 reconstructed (from the dates of current followers,
-- a lower bound), 3 imported (`import history`), 4 manual (`record`). A code,
-- not a name: 0 takes no bytes in a row, and every poll writes one.
-- Samples from before this migration did not say where they came from: those
-- of `manual` accounts (never polled) are manual, every other one is taken as
-- polled (most were; a `record` or `import history` onto a polled account
-- cannot be told apart any more).
ALTER TABLE samples ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
UPDATE samples SET source = 4
    WHERE account IN (SELECT id FROM accounts WHERE platform = 'manual');
-- a backfill stopped by a rate limit continues where it stopped: the next
-- page to read and what the pages before it added up to
CREATE TABLE backfill_progress (
    account INTEGER PRIMARY KEY REFERENCES accounts(id),
    cursor TEXT NOT NULL,
    state TEXT NOT NULL,
    at INTEGER NOT NULL
);
