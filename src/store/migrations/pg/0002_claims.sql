-- Pollers sharing one history claim each account's poll (see
-- Store::claim_poll): a claim is the holder and when it runs out (ms).
CREATE TABLE poll_claims (
    account BIGINT PRIMARY KEY REFERENCES accounts(id),
    holder TEXT COLLATE "C" NOT NULL,
    until BIGINT NOT NULL
);
