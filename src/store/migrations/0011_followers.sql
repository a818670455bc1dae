-- who follows: the people each account's follower list named at its last
-- completed scan, and every change as an event (`followed`, `left`). A scan
-- stages its pages under its id and is diffed against `followers_current`
-- in SQL when it completes; a scan that never completes changes nothing.
CREATE TABLE followers_current (
    account INTEGER NOT NULL REFERENCES accounts(id),
    person TEXT NOT NULL,
    handle TEXT NOT NULL,
    name TEXT,
    followers INTEGER,
    since INTEGER NOT NULL,
    PRIMARY KEY (account, person)
) WITHOUT ROWID;
CREATE TABLE follower_events (
    id INTEGER PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES accounts(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('followed', 'left')),
    person TEXT NOT NULL,
    handle TEXT NOT NULL,
    name TEXT,
    followers INTEGER,
    reason TEXT,
    scan INTEGER NOT NULL
);
CREATE INDEX follower_events_by_account ON follower_events (account, at);
CREATE INDEX follower_events_by_scan ON follower_events (scan);
-- one row per scan: running (finished IS NULL, with the cursor to resume
-- from), or how it ended (`baseline`, `completed`, `hidden`, `skipped`,
-- `abandoned`) and a sentence for people
CREATE TABLE follower_scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account INTEGER NOT NULL REFERENCES accounts(id),
    started INTEGER NOT NULL,
    cursor TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    resume_after INTEGER,
    note TEXT,
    finished INTEGER,
    outcome TEXT
);
CREATE INDEX follower_scans_by_account ON follower_scans (account, id);
CREATE TABLE follower_staging (
    scan INTEGER NOT NULL,
    person TEXT NOT NULL,
    handle TEXT NOT NULL,
    name TEXT,
    followers INTEGER,
    PRIMARY KEY (scan, person)
) WITHOUT ROWID;
