-- alerts that fired: one row per event, `key` says which event (a milestone
-- value, a drop's peak, a silence's last sample), so an event never fires twice
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    account INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    value INTEGER,
    message TEXT NOT NULL,
    delivery_error TEXT
);
CREATE INDEX alerts_at ON alerts (at);
