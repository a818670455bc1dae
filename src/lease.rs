//! The polling lease: of all the socialtop processes on one data dir, only the
//! holder polls; the others show what it records. A holder renews every
//! [`RENEW_EVERY`]; when it dies its lease runs out after [`TTL`] and the next
//! process to renew takes over.
//!
//! The lease has a connection (and a thread) of its own, so a renewal that
//! waits for another process's write lock holds up neither polls nor reads;
//! its time comes from the [`Clock`] it is given.

use std::sync::Arc;
use std::time::Duration;

use crate::model::Clock;
use crate::store::{Location, Worker};

pub const TTL: Duration = Duration::from_secs(15);
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

pub struct Lease {
    worker: Worker,
    me: String,
    clock: Arc<dyn Clock>,
}

impl Lease {
    /// A lease handle on its own connection; nothing is taken until [`Lease::renew`].
    pub fn new(history: &Location, clock: Arc<dyn Clock>) -> crate::store::Result<Lease> {
        Ok(Lease {
            worker: Worker::spawn("socialtop-lease", history.open()?)?,
            me: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
            clock,
        })
    }

    /// Takes or extends the lease if free, expired or ours; returns whether
    /// we hold it. A history that cannot be reached is an error (a full disk
    /// is not "another process polls").
    pub async fn renew(&self) -> crate::store::Result<bool> {
        let (me, now) = (self.me.clone(), self.clock.now().as_second());
        self.worker
            .call(move |s| s.renew_lease(&me, now, TTL))
            .await
    }

    /// Gives the lease up at once, so another process can take over without waiting.
    pub async fn release(&self) {
        let me = self.me.clone();
        if let Err(e) = self.worker.call(move |s| s.release_lease(&me)).await {
            tracing::warn!(error = %e, "could not release the polling lease");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FixedClock;

    fn clock() -> Arc<FixedClock> {
        Arc::new(FixedClock::new(
            jiff::Timestamp::from_second(1_800_000_000).unwrap(),
        ))
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_release_hands_over() {
        let dir = tempfile::tempdir().unwrap();
        let c = clock();
        let a = Lease::new(&Location::Dir(dir.path().into()), c.clone()).unwrap();
        let b = Lease::new(&Location::Dir(dir.path().into()), c.clone()).unwrap();
        assert!(a.renew().await.unwrap());
        assert!(!b.renew().await.unwrap());
        assert!(a.renew().await.unwrap(), "the holder keeps it");
        a.release().await;
        assert!(b.renew().await.unwrap());
        assert!(!a.renew().await.unwrap());
    }

    #[tokio::test]
    async fn a_lease_not_renewed_for_its_ttl_is_taken_over_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let c = clock();
        let a = Lease::new(&Location::Dir(dir.path().into()), c.clone()).unwrap();
        let b = Lease::new(&Location::Dir(dir.path().into()), c.clone()).unwrap();
        assert!(a.renew().await.unwrap());
        // the holder died: nobody renews it
        c.advance(TTL);
        assert!(!b.renew().await.unwrap(), "not before its time is up");
        c.advance(Duration::from_secs(1));
        assert!(b.renew().await.unwrap(), "taken over once it ran out");
        assert!(!a.renew().await.unwrap(), "the old holder lost it");
    }
}
