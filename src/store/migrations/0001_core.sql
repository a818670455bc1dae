-- the core history
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    label TEXT,
    metric TEXT NOT NULL
);
CREATE TABLE samples (
    account INTEGER NOT NULL REFERENCES accounts(id),
    at INTEGER NOT NULL,
    followers INTEGER NOT NULL,
    following INTEGER,
    posts INTEGER,
    PRIMARY KEY (account, at)
) WITHOUT ROWID;
CREATE TABLE poll_failures (
    account INTEGER NOT NULL REFERENCES accounts(id),
    at INTEGER NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (account, at)
) WITHOUT ROWID;
CREATE TABLE account_state (
    account INTEGER PRIMARY KEY REFERENCES accounts(id),
    checked_at INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    error_at INTEGER
);
CREATE TABLE host_holds (
    host TEXT PRIMARY KEY,
    until INTEGER NOT NULL,
    reason TEXT NOT NULL
);
