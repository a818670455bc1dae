-- which accounts a data write touched: each account keeps the generation of
-- its last change, so a view reloads only what changed
ALTER TABLE accounts ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX accounts_by_change ON accounts (changed);
