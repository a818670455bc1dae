-- time spent: entries from every source, and the dashboard's running timer
CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES accounts(id),
    start INTEGER NOT NULL,
    seconds INTEGER NOT NULL CHECK (seconds > 0),
    source TEXT NOT NULL,
    note TEXT,
    external_id TEXT
);
CREATE INDEX time_entries_by_account ON time_entries (account, start);
CREATE UNIQUE INDEX time_entries_imported ON time_entries (account, source, external_id)
    WHERE external_id IS NOT NULL;
CREATE TABLE timer (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account INTEGER NOT NULL REFERENCES accounts(id),
    started INTEGER NOT NULL
);
