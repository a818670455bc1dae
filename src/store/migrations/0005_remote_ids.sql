-- ids a platform resolved once (Twitch's user id for a login)
CREATE TABLE remote_ids (
    account INTEGER PRIMARY KEY REFERENCES accounts(id),
    remote_id TEXT NOT NULL
);
