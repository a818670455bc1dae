-- time entries read by (account, start) with their length, from the index
-- alone: `effort` reads every account's entries in order
CREATE INDEX time_entries_cover ON time_entries (account, start, seconds);
DROP INDEX time_entries_by_account;
