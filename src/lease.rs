//! The polling lease: of all the socialtop processes on one data dir, only the
//! holder polls; the others show what it records. A holder renews every
//! [`RENEW_EVERY`]; when it dies its lease runs out after [`TTL`] and the next
//! process to renew takes over.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::Store;

pub const TTL: Duration = Duration::from_secs(15);
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

pub struct Lease {
    store: Mutex<Store>,
    me: String,
    held: Arc<AtomicBool>,
}

impl Lease {
    /// A lease handle on its own connection; nothing is taken until [`Lease::renew`].
    pub fn new(data_dir: &Path) -> crate::store::Result<Lease> {
        Ok(Lease {
            store: Mutex::new(Store::open_dir(data_dir)?),
            me: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
            held: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Like [`Lease::renew`], but a failure to reach the history is an error
    /// (a full disk is not "another process polls").
    pub fn try_renew(&self) -> crate::store::Result<bool> {
        let now = jiff::Timestamp::now().as_second();
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let held = store.renew_lease(&self.me, now, TTL);
        self.held
            .store(held.as_ref().is_ok_and(|h| *h), Ordering::SeqCst);
        held
    }

    /// Takes or extends the lease if free, expired or ours; returns whether we hold it.
    pub fn renew(&self) -> bool {
        let now = jiff::Timestamp::now().as_second();
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let held = store.renew_lease(&self.me, now, TTL).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not renew the polling lease");
            false
        });
        self.held.store(held, Ordering::SeqCst);
        held
    }

    pub fn is_held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// A cheap check for the scheduler: do we hold the lease right now?
    pub fn gate(&self) -> Arc<dyn Fn() -> bool + Send + Sync> {
        let held = Arc::clone(&self.held);
        Arc::new(move || held.load(Ordering::SeqCst))
    }

    /// Gives the lease up at once, so another process can take over without waiting.
    pub fn release(&self) {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = store.release_lease(&self.me) {
            tracing::warn!(error = %e, "could not release the polling lease");
        }
        self.held.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_release_hands_over() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lease::new(dir.path()).unwrap();
        let b = Lease::new(dir.path()).unwrap();
        assert!(a.renew());
        assert!(!b.renew());
        assert!(a.renew(), "the holder keeps it");
        a.release();
        assert!(b.renew());
        assert!(!a.renew());
    }

    #[test]
    fn an_expired_lease_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lease::new(dir.path()).unwrap();
        let b = Lease::new(dir.path()).unwrap();
        assert!(a.renew());
        // the holder died long ago
        a.store.lock().unwrap().expire_lease().unwrap();
        assert!(b.renew());
        assert!(!a.renew());
    }
}
