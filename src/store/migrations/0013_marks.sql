-- Answers `effort` worked out before, kept so that it need not work them out
-- again. Not history: derived from it, never exported or migrated, and safe
-- to empty at any time. Triggers drop every answer a write could change, so
-- a kept answer is always the one working it out again would give.

-- For every account and week, the newest sample at most a week old at the
-- week's end: an index seek into the biggest table per account-week (26,000
-- on 100 accounts x 5 years). Keyed by the time asked about and the age
-- limit; a sample written, changed or removed at `at` can change only the
-- answers for times from `at` on.
CREATE TABLE fresh_marks (
    account INTEGER NOT NULL REFERENCES accounts(id),
    at INTEGER NOT NULL,
    max_age INTEGER NOT NULL,
    -- followers * 8 + source; NULL: no sample that fresh
    value INTEGER,
    PRIMARY KEY (account, at, max_age)
) WITHOUT ROWID;
CREATE TRIGGER fresh_marks_on_insert AFTER INSERT ON samples BEGIN
    DELETE FROM fresh_marks WHERE account = NEW.account AND at >= NEW.at;
END;
CREATE TRIGGER fresh_marks_on_update AFTER UPDATE ON samples BEGIN
    DELETE FROM fresh_marks WHERE account = OLD.account AND at >= OLD.at;
    DELETE FROM fresh_marks WHERE account = NEW.account AND at >= NEW.at;
END;
CREATE TRIGGER fresh_marks_on_delete AFTER DELETE ON samples BEGIN
    DELETE FROM fresh_marks WHERE account = OLD.account AND at >= OLD.at;
END;

-- An account's time per week in a time zone (weeks start at its midnight):
-- every entry of the account read and merged (365 a year for an entry a
-- day). `weeks` packs (week start, seconds) pairs as little-endian 64-bit
-- integers, oldest first. Any change to the account's entries drops them.
CREATE TABLE week_marks (
    account INTEGER NOT NULL REFERENCES accounts(id),
    zone TEXT NOT NULL,
    weeks BLOB NOT NULL,
    PRIMARY KEY (account, zone)
) WITHOUT ROWID;
CREATE TRIGGER week_marks_on_insert AFTER INSERT ON time_entries BEGIN
    DELETE FROM week_marks WHERE account = NEW.account;
END;
CREATE TRIGGER week_marks_on_update AFTER UPDATE ON time_entries BEGIN
    DELETE FROM week_marks WHERE account IN (OLD.account, NEW.account);
END;
CREATE TRIGGER week_marks_on_delete AFTER DELETE ON time_entries BEGIN
    DELETE FROM week_marks WHERE account = OLD.account;
END;
