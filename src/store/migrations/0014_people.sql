-- Who logged each stretch of time: a team's people log time to the same
-- accounts, and `effort` can be asked per person or for the team. The
-- config's `user` (the OS user name by default). '' is time logged before
-- socialtop recorded who. (`person`, not `user`: a reserved word elsewhere.)
ALTER TABLE time_entries ADD COLUMN person TEXT NOT NULL DEFAULT '';
-- each person's own running timer; one that was running when this migration
-- ran is kept under '' and taken over by the first person to use the timer
CREATE TABLE timers (
    person TEXT PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES accounts(id),
    started INTEGER NOT NULL
);
INSERT INTO timers (person, account, started) SELECT '', account, started FROM timer;
DROP TABLE timer;
