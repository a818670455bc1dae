-- a counter bumped by every data write, for cheap change detection
CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO generation (id, n) VALUES (1, 0);
