-- times of samples, poll failures and poll state in milliseconds, so two polls
-- in the same second are two samples
UPDATE samples SET at = at * 1000;
UPDATE poll_failures SET at = at * 1000;
UPDATE account_state SET checked_at = checked_at * 1000, error_at = error_at * 1000;
