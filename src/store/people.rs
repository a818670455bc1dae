//! Who follows: follower-list scans, the current followers of each account,
//! and every change as an event (migration 0011).
//!
//! A scan's pages go to `follower_staging` under the scan's id as they are
//! read (with the cursor to resume from, in the same transaction), so a scan
//! holds no list in memory. Only [`Store::finish_scan`] compares the staged
//! list with `followers_current`, in SQL, writing `followed` and `left`
//! events and replacing the current list in one transaction; a scan that
//! never gets there changes nothing. The first completed scan of an account
//! is its baseline and writes no event.

use std::collections::HashMap;

use rusqlite::params;

use super::db::{DbResult, Optional, Row};

use super::{Result, Store};
use crate::model::{PeopleEvent, Person};

/// A scan that has not ended: where to go on from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningScan {
    pub id: i64,
    pub started_ms: i64,
    /// The platform's cursor for the next page; `None` before the first.
    pub cursor: Option<String>,
    pub pages: i64,
    /// Not before this (a rate limit's reset, a failure's backoff).
    pub resume_after_ms: Option<i64>,
    /// Why it paused, if it did.
    pub note: Option<String>,
}

/// What the history knows of an account's scans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanState {
    pub running: Option<RunningScan>,
    /// The last scan that ended: when, how (`baseline`, `completed`,
    /// `hidden`, `skipped`, `abandoned`) and the sentence for it.
    pub last: Option<(i64, String, Option<String>)>,
    /// Whether a scan ever completed (the baseline exists).
    pub baseline: bool,
}

/// What a completed scan changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanDiff {
    /// It was the first: the list is the baseline, no events.
    pub baseline: bool,
    pub followed: i64,
    pub left: i64,
    /// Followers now.
    pub current: i64,
}

const EVENT_COLUMNS: &str =
    "e.id, a.key, e.at, e.kind, e.person, e.handle, e.name, e.followers, e.reason
     FROM follower_events e JOIN accounts a ON a.id = e.account";

fn event_from_row(r: &Row<'_>) -> DbResult<PeopleEvent> {
    Ok(PeopleEvent {
        id: r.get(0)?,
        account: r.get(1)?,
        at_ms: r.get(2)?,
        kind: r.get(3)?,
        who: Person {
            id: r.get(4)?,
            handle: r.get(5)?,
            name: r.get(6)?,
            followers: r.get(7)?,
        },
        reason: r.get(8)?,
    })
}

impl Store {
    /// The account's running scan and how its last one ended.
    pub fn scan_state(&self, key: &str) -> Result<ScanState> {
        let id = self.row(key)?;
        let running = self
            .conn
            .prepare_cached(
                "SELECT id, started, cursor, pages, resume_after, note FROM follower_scans
                 WHERE account = ?1 AND finished IS NULL ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![id], |r| {
                    Ok(RunningScan {
                        id: r.get(0)?,
                        started_ms: r.get(1)?,
                        cursor: r.get(2)?,
                        pages: r.get(3)?,
                        resume_after_ms: r.get(4)?,
                        note: r.get(5)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))?;
        let last = self
            .conn
            .prepare_cached(
                "SELECT finished, outcome, note FROM follower_scans
                 WHERE account = ?1 AND finished IS NOT NULL ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        let baseline = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM follower_scans
                 WHERE account = ?1 AND outcome IN ('baseline', 'completed'))",
            )
            .and_then(|mut s| s.query_row(params![id], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        Ok(ScanState {
            running,
            last,
            baseline,
        })
    }

    /// The account's running scan, or a new one started at `now_ms`.
    pub fn start_scan(&mut self, key: &str, now_ms: i64) -> Result<RunningScan> {
        if let Some(running) = self.scan_state(key)?.running {
            return Ok(running);
        }
        let id = self.row(key)?;
        let scan = self.transaction(|tx| {
            tx.query_row(
                "INSERT INTO follower_scans (account, started) VALUES (?1, ?2) RETURNING id",
                params![id, now_ms],
                |r| r.get(0),
            )
        })?;
        Ok(RunningScan {
            id: scan,
            started_ms: now_ms,
            cursor: None,
            pages: 0,
            resume_after_ms: None,
            note: None,
        })
    }

    /// Stages one page of scan `scan` and the cursor after it, in one
    /// transaction. Returns false (staging nothing) when the scan is no
    /// longer running (another process ended it).
    pub fn stage_page(&mut self, scan: i64, people: &[Person], next: Option<&str>) -> Result<bool> {
        self.transaction(|tx| {
            let n = tx.execute(
                "UPDATE follower_scans SET cursor = ?2, pages = pages + 1, resume_after = NULL, note = NULL
                 WHERE id = ?1 AND finished IS NULL",
                params![scan, next],
            )?;
            if n == 0 {
                return Ok(false);
            }
            let mut insert = tx.prepare_cached(
                "INSERT INTO follower_staging (scan, person, handle, name, followers)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (scan, person) DO UPDATE SET handle = excluded.handle,
                     name = excluded.name, followers = excluded.followers",
            )?;
            for p in people {
                insert.execute(params![scan, p.id, p.handle, p.name, p.followers])?;
            }
            Ok(true)
        })
    }

    /// People staged so far by scan `scan`.
    pub fn staged_count(&self, scan: i64) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM follower_staging WHERE scan = ?1",
                params![scan],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Pauses scan `scan` until `until_ms`, saying why; its pages stay.
    pub fn pause_scan(&mut self, scan: i64, until_ms: i64, note: &str) -> Result<()> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE follower_scans SET resume_after = ?2, note = ?3 WHERE id = ?1 AND finished IS NULL",
                params![scan, until_ms, note],
            )
            .map(|_| ())
        })
    }

    /// Ends scan `scan` without comparing anything: its staged pages are
    /// dropped, and `outcome` (`hidden`, `skipped`, `abandoned`) with `note`
    /// is what the account's state says. No event is written.
    pub fn end_scan(&mut self, scan: i64, now_ms: i64, outcome: &str, note: &str) -> Result<()> {
        let account: Option<i64> = self
            .conn
            .query_row(
                "SELECT account FROM follower_scans WHERE id = ?1",
                params![scan],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        self.write(account.as_slice(), |tx| {
            tx.execute(
                "DELETE FROM follower_staging WHERE scan = ?1",
                params![scan],
            )?;
            tx.execute(
                "UPDATE follower_scans SET finished = ?2, outcome = ?3, note = ?4, cursor = NULL
                 WHERE id = ?1 AND finished IS NULL",
                params![scan, now_ms, outcome, note],
            )?;
            Ok(())
        })
    }

    /// Records a scan that did not read the list at all (`skipped`: over
    /// `followers_list_max`).
    pub fn skip_scan(&mut self, key: &str, now_ms: i64, note: &str) -> Result<()> {
        let scan = self.start_scan(key, now_ms)?;
        self.end_scan(scan.id, now_ms, "skipped", note)
    }

    /// Completes scan `scan` of `key` at `now_ms`: the staged list becomes
    /// the current one, and (after the baseline) who is new is `followed`
    /// and who is gone is `left`, all in SQL and one transaction. `None`
    /// when the scan is no longer running.
    pub fn finish_scan(&mut self, key: &str, scan: i64, now_ms: i64) -> Result<Option<ScanDiff>> {
        let id = self.row(key)?;
        self.write(&[id], |tx| {
            let running: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM follower_scans WHERE id = ?1 AND account = ?2 AND finished IS NULL)",
                params![scan, id],
                |r| r.get(0),
            )?;
            if !running {
                return Ok(None);
            }
            let baseline: bool = tx.query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM follower_scans
                 WHERE account = ?1 AND outcome IN ('baseline', 'completed'))",
                params![id],
                |r| r.get(0),
            )?;
            let (mut followed, mut left) = (0, 0);
            if !baseline {
                left = tx.execute(
                    "INSERT INTO follower_events (account, at, kind, person, handle, name, followers, scan)
                     SELECT ?1, ?2, 'left', c.person, c.handle, c.name, c.followers, ?3
                     FROM followers_current c
                     WHERE c.account = ?1 AND NOT EXISTS
                         (SELECT 1 FROM follower_staging s WHERE s.scan = ?3 AND s.person = c.person)
                     ORDER BY c.handle",
                    params![id, now_ms, scan],
                )? as i64;
                followed = tx.execute(
                    "INSERT INTO follower_events (account, at, kind, person, handle, name, followers, scan)
                     SELECT ?1, ?2, 'followed', s.person, s.handle, s.name, s.followers, ?3
                     FROM follower_staging s
                     WHERE s.scan = ?3 AND NOT EXISTS
                         (SELECT 1 FROM followers_current c WHERE c.account = ?1 AND c.person = s.person)
                     ORDER BY s.handle",
                    params![id, now_ms, scan],
                )? as i64;
            }
            tx.execute(
                "DELETE FROM followers_current WHERE account = ?1 AND NOT EXISTS
                     (SELECT 1 FROM follower_staging s WHERE s.scan = ?2 AND s.person = followers_current.person)",
                params![id, scan],
            )?;
            tx.execute(
                "INSERT INTO followers_current (account, person, handle, name, followers, since)
                 SELECT ?1, person, handle, name, followers, ?2 FROM follower_staging WHERE scan = ?3
                 ON CONFLICT (account, person) DO UPDATE
                 SET handle = excluded.handle, name = excluded.name, followers = excluded.followers",
                params![id, now_ms, scan],
            )?;
            tx.execute("DELETE FROM follower_staging WHERE scan = ?1", params![scan])?;
            let current: i64 = tx.query_row(
                "SELECT count(*) FROM followers_current WHERE account = ?1",
                params![id],
                |r| r.get(0),
            )?;
            let outcome = if baseline { "baseline" } else { "completed" };
            let note = if baseline {
                format!(
                    "{} followers read (the baseline)",
                    crate::util::thousands(current)
                )
            } else {
                format!(
                    "{} followers read: +{followed} −{left}",
                    crate::util::thousands(current)
                )
            };
            tx.execute(
                "UPDATE follower_scans SET finished = ?2, outcome = ?3, note = ?4, cursor = NULL WHERE id = ?1",
                params![scan, now_ms, outcome, note],
            )?;
            Ok(Some(ScanDiff {
                baseline,
                followed,
                left,
                current,
            }))
        })
    }

    /// The `left` events of scan `scan` with no reason yet, at most `limit`.
    pub fn left_without_reason(&self, scan: i64, limit: usize) -> Result<Vec<PeopleEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} WHERE e.scan = ?1 AND e.kind = 'left' AND e.reason IS NULL ORDER BY e.id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![scan, limit as i64], event_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The `followed` events of scan `scan` (for alerts).
    pub fn followed_in_scan(&self, scan: i64) -> Result<Vec<PeopleEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} WHERE e.scan = ?1 AND e.kind = 'followed' ORDER BY e.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![scan], event_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Says why the person of `left` event `event` left.
    pub fn set_left_reason(&mut self, event: i64, reason: &str) -> Result<()> {
        let account: Option<i64> = self
            .conn
            .query_row(
                "SELECT account FROM follower_events WHERE id = ?1",
                params![event],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        self.write(account.as_slice(), |tx| {
            tx.execute(
                "UPDATE follower_events SET reason = ?2 WHERE id = ?1",
                params![event, reason],
            )
            .map(|_| ())
        })
    }

    /// The account's events at or after `since_ms`, oldest first.
    pub fn people_events(&self, key: &str, since_ms: i64) -> Result<Vec<PeopleEvent>> {
        let id = self.row(key)?;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} WHERE e.account = ?1 AND e.at >= ?2 ORDER BY e.at, e.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![id, since_ms], event_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The account's `limit` newest events at or after `since_ms`, newest first.
    pub fn recent_people_events(
        &self,
        key: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<PeopleEvent>> {
        let id = self.row(key)?;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} WHERE e.account = ?1 AND e.at >= ?2 ORDER BY e.at DESC, e.id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![id, since_ms, limit as i64], event_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Who follows the account now (as of its last completed scan), by
    /// handle, with when each was first seen; passed to `f` one at a time.
    pub fn for_each_current_follower<E: From<super::StoreError>>(
        &self,
        key: &str,
        mut f: impl FnMut(&Person, i64) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT person, handle, name, followers, since FROM followers_current
                 WHERE account = ?1 ORDER BY handle, person",
            )
            .map_err(|e| self.err(e))?;
        let mut n = 0;
        stmt.for_each(
            params![id],
            |e| E::from(self.err(e)),
            |r| {
                let read = || -> DbResult<(Person, i64)> {
                    Ok((
                        Person {
                            id: r.get(0)?,
                            handle: r.get(1)?,
                            name: r.get(2)?,
                            followers: r.get(3)?,
                        },
                        r.get(4)?,
                    ))
                };
                let (p, since) = read().map_err(|e| self.err(e))?;
                f(&p, since)?;
                n += 1;
                Ok(())
            },
        )?;
        Ok(n)
    }

    /// `(followed, left)` events of the account at or after `since_ms`;
    /// `None` when it has no completed scan (nothing is known).
    pub fn people_changes(&self, key: &str, since_ms: i64) -> Result<Option<(i64, i64)>> {
        let id = self.row(key)?;
        let known: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM follower_scans
                 WHERE account = ?1 AND outcome IN ('baseline', 'completed'))",
            )
            .and_then(|mut s| s.query_row(params![id], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        if !known {
            return Ok(None);
        }
        self.conn
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE kind = 'followed'), count(*) FILTER (WHERE kind = 'left')
                 FROM follower_events WHERE account = ?1 AND at >= ?2",
            )
            .and_then(|mut s| s.query_row(params![id, since_ms], |r| Ok((r.get(0)?, r.get(1)?))))
            .map(Some)
            .map_err(|e| self.err(e))
    }

    /// Every account's `(followed, left)` events ever, by account id
    /// (accounts without any are absent): the metrics' counters.
    pub fn people_totals(&self) -> Result<HashMap<String, (i64, i64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.key, count(*) FILTER (WHERE e.kind = 'followed'), count(*) FILTER (WHERE e.kind = 'left')
                 FROM follower_events e JOIN accounts a ON a.id = e.account GROUP BY a.id, a.key",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Deletes everything known about the people of account `key`: its
    /// followers, their events, its scans and what they staged. Returns
    /// `(followers, events)` deleted.
    pub fn forget_people(&mut self, key: &str) -> Result<(i64, i64)> {
        let id = self.row(key)?;
        self.write(&[id], |tx| {
            tx.execute(
                "DELETE FROM follower_staging WHERE scan IN (SELECT id FROM follower_scans WHERE account = ?1)",
                params![id],
            )?;
            tx.execute("DELETE FROM follower_scans WHERE account = ?1", params![id])?;
            let events = tx.execute("DELETE FROM follower_events WHERE account = ?1", params![id])?;
            let current = tx.execute("DELETE FROM followers_current WHERE account = ?1", params![id])?;
            Ok((current as i64, events as i64))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, PlatformKind};

    fn person(id: &str) -> Person {
        Person {
            id: id.into(),
            handle: format!("{id}@x"),
            name: Some(id.to_uppercase()),
            followers: Some(id.len() as i64),
        }
    }

    fn people(ids: &[&str]) -> Vec<Person> {
        ids.iter().map(|i| person(i)).collect()
    }

    /// A history with one account, on each engine.
    fn stores() -> Vec<(crate::store::testing::Place, Store)> {
        crate::store::testing::places()
            .into_iter()
            .map(|place| {
                let mut s = place.open().unwrap();
                s.sync_accounts(&[Account::new(PlatformKind::Mastodon, "me@x")])
                    .unwrap();
                (place, s)
            })
            .collect()
    }

    const K: &str = "mastodon:me@x";

    fn scan(s: &mut Store, at: i64, pages: &[&[&str]]) -> Option<ScanDiff> {
        let run = s.start_scan(K, at).unwrap();
        for (i, p) in pages.iter().enumerate() {
            let next = (i + 1 < pages.len()).then(|| format!("c{i}"));
            assert!(s.stage_page(run.id, &people(p), next.as_deref()).unwrap());
        }
        s.finish_scan(K, run.id, at).unwrap()
    }

    #[test]
    fn the_baseline_has_no_events_and_later_scans_diff_in_sql() {
        for (_d, mut s) in stores() {
            let d = scan(&mut s, 1_000, &[&["a", "b"], &["c", "d", "e"]]).unwrap();
            assert!(d.baseline);
            assert_eq!((d.followed, d.left, d.current), (0, 0, 5));
            assert!(s.people_events(K, 0).unwrap().is_empty());
            let d = scan(&mut s, 2_000, &[&["a", "f", "g"], &["c", "h", "d"]]).unwrap();
            assert!(!d.baseline);
            assert_eq!((d.followed, d.left, d.current), (3, 2, 6));
            let events = s.people_events(K, 0).unwrap();
            let kinds: Vec<(&str, &str)> = events
                .iter()
                .map(|e| (e.kind.as_str(), e.who.id.as_str()))
                .collect();
            assert_eq!(
                kinds,
                [
                    ("left", "b"),
                    ("left", "e"),
                    ("followed", "f"),
                    ("followed", "g"),
                    ("followed", "h"),
                ]
            );
            assert_eq!(events[0].who.name.as_deref(), Some("B"));
            assert_eq!(s.people_changes(K, 0).unwrap(), Some((3, 2)));
            assert_eq!(s.staged_count(1).unwrap(), 0);
        }
    }

    #[test]
    fn an_unfinished_scan_changes_nothing_and_resumes() {
        for (_d, mut s) in stores() {
            scan(&mut s, 1_000, &[&["a", "b", "c"]]).unwrap();
            let run = s.start_scan(K, 2_000).unwrap();
            assert!(s.stage_page(run.id, &people(&["a"]), Some("p2")).unwrap());
            s.pause_scan(run.id, 9_000, "server error 500").unwrap();
            // nothing left yet
            assert!(s.people_events(K, 0).unwrap().is_empty());
            let again = s.start_scan(K, 3_000).unwrap();
            assert_eq!(again.id, run.id);
            assert_eq!(again.cursor.as_deref(), Some("p2"));
            assert_eq!(again.resume_after_ms, Some(9_000));
            assert!(s.stage_page(run.id, &people(&["b", "c"]), None).unwrap());
            let d = s.finish_scan(K, run.id, 3_000).unwrap().unwrap();
            assert_eq!((d.followed, d.left), (0, 0));
        }
    }

    #[test]
    fn an_abandoned_scan_writes_nothing_and_forget_deletes_all() {
        for (_d, mut s) in stores() {
            scan(&mut s, 1_000, &[&["a", "b"]]).unwrap();
            let run = s.start_scan(K, 2_000).unwrap();
            s.stage_page(run.id, &people(&["z"]), Some("x")).unwrap();
            s.end_scan(run.id, 2_500, "abandoned", "the cursor did not advance")
                .unwrap();
            assert_eq!(s.staged_count(run.id).unwrap(), 0);
            assert!(!s.stage_page(run.id, &people(&["y"]), None).unwrap());
            let st = s.scan_state(K).unwrap();
            assert!(st.running.is_none() && st.baseline);
            assert_eq!(st.last.unwrap().1, "abandoned");
            scan(&mut s, 3_000, &[&["a"]]).unwrap();
            assert_eq!(s.people_totals().unwrap()[K], (0, 1));
            assert_eq!(s.forget_people(K).unwrap(), (1, 1));
            assert_eq!(s.people_changes(K, 0).unwrap(), None);
            let mut n = 0;
            s.for_each_current_follower::<super::super::StoreError>(K, |_, _| {
                n += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(n, 0);
        }
    }
}
