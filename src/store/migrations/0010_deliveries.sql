-- alerts exactly once. A sample that a poll recorded waits here, written in
-- the poll's own transaction, until the alert rules have looked at it; the
-- transaction that records its alerts removes it. A poll stopped between the
-- two (a crash, `kill -9`) leaves it here for the next process to fire.
CREATE TABLE alert_queue (
    account INTEGER NOT NULL REFERENCES accounts(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (account, at)
) WITHOUT ROWID;
-- each alert's delivery to each target (`command`, `webhook`), written with
-- the alert. `state` is pending, delivered or failed (for good); a process
-- claims a pending row for one try (`claimed_by` until `claimed_until`, so a
-- killed process's claim runs out), then records how it went: delivered, or
-- the error and when to try again (`next_at`), or failed after `give_up_at`.
CREATE TABLE deliveries (
    alert INTEGER NOT NULL REFERENCES alerts(id),
    target TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    tries INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    give_up_at INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_until INTEGER,
    error TEXT,
    done_at INTEGER,
    PRIMARY KEY (alert, target)
);
CREATE INDEX deliveries_pending ON deliveries (next_at) WHERE state = 'pending';
