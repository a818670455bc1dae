-- socialtop's history on PostgreSQL: the tables SQLite's migrations 0001 to
-- 0014 make, every integer a BIGINT (times are milliseconds since the epoch),
-- less the answers `effort` keeps on SQLite (fresh_marks, week_marks). Text
-- compares and sorts byte for byte (COLLATE "C"), as on SQLite.
CREATE TABLE schema_version (version BIGINT NOT NULL);
INSERT INTO schema_version (version) VALUES (0);

-- the SQLite functions the store's statements use
CREATE FUNCTION max(a BIGINT, b BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE AS 'SELECT greatest(a, b)';
CREATE FUNCTION min(a BIGINT, b BIGINT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE AS 'SELECT least(a, b)';
CREATE FUNCTION group_concat_step(acc TEXT, v TEXT, sep TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE
    AS 'SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END';
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = group_concat_step, STYPE = TEXT);

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    key TEXT COLLATE "C" NOT NULL UNIQUE,
    platform TEXT COLLATE "C" NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C",
    metric TEXT COLLATE "C" NOT NULL,
    changed BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_by_change ON accounts (changed);
CREATE TABLE samples (
    account BIGINT NOT NULL REFERENCES accounts(id),
    at BIGINT NOT NULL,
    followers BIGINT NOT NULL,
    following BIGINT,
    posts BIGINT,
    source BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, at)
);
CREATE TABLE poll_failures (
    account BIGINT NOT NULL REFERENCES accounts(id),
    at BIGINT NOT NULL,
    error TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account, at)
);
CREATE TABLE account_state (
    account BIGINT PRIMARY KEY REFERENCES accounts(id),
    checked_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    error TEXT COLLATE "C",
    error_at BIGINT
);
CREATE TABLE host_holds (
    host TEXT COLLATE "C" PRIMARY KEY,
    until BIGINT NOT NULL,
    reason TEXT COLLATE "C" NOT NULL
);
CREATE TABLE lease (
    name TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    expires BIGINT NOT NULL
);
CREATE TABLE generation (id BIGINT PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO generation (id, n) VALUES (1, 0);
CREATE TABLE time_entries (
    id BIGSERIAL PRIMARY KEY,
    account BIGINT NOT NULL REFERENCES accounts(id),
    start BIGINT NOT NULL,
    seconds BIGINT NOT NULL CHECK (seconds > 0),
    source TEXT COLLATE "C" NOT NULL,
    note TEXT COLLATE "C",
    external_id TEXT COLLATE "C",
    person TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX time_entries_cover ON time_entries (account, start, seconds);
CREATE UNIQUE INDEX time_entries_imported ON time_entries (account, source, external_id)
    WHERE external_id IS NOT NULL;
CREATE TABLE timers (
    person TEXT COLLATE "C" PRIMARY KEY,
    account BIGINT NOT NULL REFERENCES accounts(id),
    started BIGINT NOT NULL
);
CREATE TABLE remote_ids (
    account BIGINT PRIMARY KEY REFERENCES accounts(id),
    remote_id TEXT COLLATE "C" NOT NULL
);
CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    key TEXT COLLATE "C" NOT NULL UNIQUE,
    account BIGINT NOT NULL REFERENCES accounts(id),
    kind TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    value BIGINT,
    message TEXT COLLATE "C" NOT NULL,
    delivery_error TEXT COLLATE "C"
);
CREATE INDEX alerts_at ON alerts (at);
CREATE TABLE alert_queue (
    account BIGINT NOT NULL REFERENCES accounts(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (account, at)
);
CREATE TABLE deliveries (
    alert BIGINT NOT NULL REFERENCES alerts(id),
    target TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    tries BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    give_up_at BIGINT NOT NULL,
    claimed_by TEXT COLLATE "C",
    claimed_until BIGINT,
    error TEXT COLLATE "C",
    done_at BIGINT,
    PRIMARY KEY (alert, target)
);
CREATE INDEX deliveries_pending ON deliveries (next_at) WHERE state = 'pending';
CREATE TABLE followers_current (
    account BIGINT NOT NULL REFERENCES accounts(id),
    person TEXT COLLATE "C" NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    followers BIGINT,
    since BIGINT NOT NULL,
    PRIMARY KEY (account, person)
);
CREATE TABLE follower_events (
    id BIGSERIAL PRIMARY KEY,
    account BIGINT NOT NULL REFERENCES accounts(id),
    at BIGINT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('followed', 'left')),
    person TEXT COLLATE "C" NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    followers BIGINT,
    reason TEXT COLLATE "C",
    scan BIGINT NOT NULL
);
CREATE INDEX follower_events_by_account ON follower_events (account, at);
CREATE INDEX follower_events_by_scan ON follower_events (scan);
CREATE TABLE follower_scans (
    id BIGSERIAL PRIMARY KEY,
    account BIGINT NOT NULL REFERENCES accounts(id),
    started BIGINT NOT NULL,
    cursor TEXT COLLATE "C",
    pages BIGINT NOT NULL DEFAULT 0,
    resume_after BIGINT,
    note TEXT COLLATE "C",
    finished BIGINT,
    outcome TEXT COLLATE "C"
);
CREATE INDEX follower_scans_by_account ON follower_scans (account, id);
CREATE TABLE follower_staging (
    scan BIGINT NOT NULL,
    person TEXT COLLATE "C" NOT NULL,
    handle TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    followers BIGINT,
    PRIMARY KEY (scan, person)
);
CREATE TABLE backfill_progress (
    account BIGINT PRIMARY KEY REFERENCES accounts(id),
    cursor TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL
);
