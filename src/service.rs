//! The polling service, wired once for both front ends: the scheduler, the
//! polling lease, the change watcher, the config watcher, alert firing and
//! delivery, and the metrics exporter, with the config held in one place.
//!
//! `socialtop poll` starts it and prints its [`ServiceEvent`]s; the dashboard
//! turns them into its own events. Nobody else wires the parts. Store work
//! runs on the store's own threads ([`Handle`]) and the lease's, so no
//! runtime worker waits on SQLite's lock.
//!
//! Alerts: after each poll and every minute the rules take what is queued
//! ([`Alerts::fire`]); a [`Deliverer`] runs beside the task for the whole
//! life of the service and delivers what the history has pending, from this
//! process or another.
//!
//! One task owns the parts and reacts, in order, to commands, poll events and
//! timers: the lease is renewed every [`lease::RENEW_EVERY`] (and once before
//! the scheduler starts, so the first request goes out at once), silent
//! accounts are checked every minute, the history's change counter every
//! [`CHANGE_CHECK`] (when asked), and the config file's modification time
//! every [`CONFIG_CHECK`]. A changed, valid config replaces the scheduler, the
//! alert rules and the exporter's accounts together ([`Service::reload`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::alerts::{self, Alerts, Deliverer, TryDone};
use crate::config::Config;
use crate::followers::{ScanOutcome, ScanReport, Scanner};
use crate::lease::{self, Lease};
use crate::metrics;
use crate::model::{Clock, Secrets};
use crate::poller::{self, Command, Event, PollResult, Poller};
use crate::store::{AlertRow, Handle};

/// How often the service checks whether another process wrote new data.
pub const CHANGE_CHECK: Duration = Duration::from_secs(1);
/// How often, when other processes' writes are heard (PostgreSQL's `LISTEN`),
/// it reads the counter anyway.
pub const CHANGE_CHECK_LISTENING: Duration = Duration::from_secs(10);
/// How often it looks at the config file's modification time.
pub const CONFIG_CHECK: Duration = Duration::from_millis(1500);
/// How often it looks for silent accounts (besides after each poll).
pub const STALE_CHECK: Duration = Duration::from_secs(60);

/// Whether this process polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// It holds the lease: its scheduler polls.
    Polling,
    /// Another process holds it: this one shows what that one records.
    Watching,
    /// On a history other machines share (PostgreSQL), another process
    /// holds the lease (and reads follower lists) and this one polls its
    /// share of the accounts beside it.
    Sharing,
    /// The lease could not be read or renewed (a full disk, a locked
    /// history): not polling until it can.
    Unreachable(String),
}

/// What the service tells its front end.
#[derive(Debug)]
pub enum ServiceEvent {
    /// From the scheduler, or a poll asked for while another process polls.
    Poll(Event),
    /// Alerts that fired here (recorded; deliveries run in the background).
    Fired(Vec<AlertRow>),
    /// Alerts were recorded, here or by another process (the change watcher).
    AlertsChanged,
    /// A try of an alert's delivery ended here.
    Delivery(TryDone),
    Role(Role),
    /// Another process (or this one) wrote data: these accounts changed
    /// (none named: something else did, such as an alert).
    Changed(Vec<String>),
    /// A new config is in use by every part, or why the old one stays.
    Config(Result<Arc<Config>, String>),
    /// A follower-list scan ran (completed, paused, hidden...).
    Scanned(ScanReport),
}

/// What the service needs besides the config and the history.
pub struct Options {
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn Secrets>,
    /// Where the history is (the lease and the metrics read it on
    /// connections of their own).
    pub history: crate::store::Location,
    /// Serve `/metrics` here.
    pub metrics: Option<SocketAddr>,
    /// Report [`ServiceEvent::Changed`] (the dashboard), starting after this
    /// generation of the history.
    pub watch_changes: Option<i64>,
}

enum Cmd {
    PollNow(Option<String>),
    /// Read the config file now (after an editor closed); `force` reads it
    /// even if its stamp did not change.
    ReadConfig {
        force: bool,
    },
    /// Stop, giving tries of deliveries under way this long to end.
    Stop(Duration, oneshot::Sender<()>),
}

/// A running service; [`Service::stop`] ends it.
pub struct Service {
    cmd: mpsc::UnboundedSender<Cmd>,
    config: Arc<RwLock<Arc<Config>>>,
    store: Handle,
    metrics_addr: Option<SocketAddr>,
    task: Option<JoinHandle<()>>,
}

impl Service {
    /// Starts every part on the current runtime. A metrics address that
    /// cannot be served is an error before anything polls.
    pub async fn start(
        config: Arc<Config>,
        store: Handle,
        opts: Options,
    ) -> anyhow::Result<(Service, mpsc::UnboundedReceiver<ServiceEvent>)> {
        let exporter = match opts.metrics {
            Some(addr) => {
                let listener = metrics::bind(addr)?;
                let exporter = metrics::Exporter::open(&opts.history, Arc::clone(&config))?;
                let server = metrics::start(listener, exporter.clone())?;
                Some((server, exporter))
            }
            None => None,
        };
        let metrics_addr = exporter.as_ref().map(|(s, _)| s.addr);
        let lease = Lease::new(&opts.history, Arc::clone(&opts.clock))?;
        let (out, events) = mpsc::unbounded_channel();
        let (cmd, commands) = mpsc::unbounded_channel();
        let shared = Arc::new(RwLock::new(Arc::clone(&config)));
        let parts = Parts::new(&config, &store, &opts)?;
        let deliverer = Arc::new(Deliverer::new(
            &config.notify,
            Arc::clone(&opts.secrets),
            Arc::clone(&opts.clock),
        ));
        let delivering = {
            let events = out.clone();
            tokio::spawn(
                Arc::clone(&deliverer).run(store.clone(), None, move |done| {
                    let _ = events.send(ServiceEvent::Delivery(done.clone()));
                }),
            )
        };
        let (gate, _) = watch::channel(false);
        let (poll_gate, _) = watch::channel(false);
        let mut core = Core {
            config: Arc::clone(&shared),
            stamp: stamp(&config.path),
            store: store.clone(),
            parts,
            deliverer,
            delivering: Some(delivering),
            scheduler: None,
            polls: mpsc::unbounded_channel(),
            scanning: None,
            scans: mpsc::unbounded_channel(),
            gate,
            poll_gate,
            role: None,
            lease,
            exporter,
            out,
            opts,
        };
        // the lease first, so that a holder's first request goes out at once
        core.renew().await;
        core.start_scheduler();
        let task = tokio::spawn(core.run(commands));
        Ok((
            Service {
                cmd,
                config: shared,
                store,
                metrics_addr,
                task: Some(task),
            },
            events,
        ))
    }

    /// The config in use.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The history the service writes.
    pub fn store(&self) -> &Handle {
        &self.store
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Polls `account` (every polled account when `None`) now: through the
    /// schedule when this process polls, else once here (the holder's
    /// schedule stays).
    pub fn poll_now(&self, account: Option<String>) {
        let _ = self.cmd.send(Cmd::PollNow(account));
    }

    /// Reads the config file again (`force`: even if it looks unchanged) and,
    /// if it is valid, puts it to use everywhere at once. The outcome comes
    /// as [`ServiceEvent::Config`].
    pub fn reload(&self, force: bool) {
        let _ = self.cmd.send(Cmd::ReadConfig { force });
    }

    /// Stops polling, gives deliveries under way up to `drain` to finish,
    /// and releases the lease.
    pub async fn stop(mut self, drain: Duration) {
        let (tx, rx) = oneshot::channel();
        if self.cmd.send(Cmd::Stop(drain, tx)).is_ok() {
            let _ = tokio::time::timeout(drain + Duration::from_secs(2), rx).await;
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // stopped without [`Core::shutdown`] (the service dropped): a try
        // cut short stays pending and is tried again once its claim runs out
        if let Some(task) = self.delivering.take() {
            task.abort();
        }
    }
}

/// The parts that depend on the config: replaced together on reload.
struct Parts {
    poller: Arc<Poller>,
    alerts: Arc<Alerts>,
    scanner: Arc<Scanner>,
}

impl Parts {
    fn new(config: &Config, store: &Handle, opts: &Options) -> anyhow::Result<Parts> {
        Ok(Parts {
            poller: Arc::new(Poller::with_seams(
                config,
                store.clone(),
                Arc::clone(&opts.clock),
                Arc::clone(&opts.secrets),
            )?),
            alerts: Arc::new(Alerts::new(config)),
            scanner: Arc::new(Scanner::with_seams(
                config,
                store.clone(),
                Arc::clone(&opts.clock),
                Arc::clone(&opts.secrets),
            )?),
        })
    }
}

/// The config file as last read: modification time and length.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// The service's state, owned by its one task.
struct Core {
    config: Arc<RwLock<Arc<Config>>>,
    stamp: Stamp,
    store: Handle,
    parts: Parts,
    deliverer: Arc<Deliverer>,
    delivering: Option<JoinHandle<alerts::Report>>,
    scheduler: Option<(mpsc::UnboundedSender<Command>, JoinHandle<()>)>,
    polls: (mpsc::UnboundedSender<Event>, mpsc::UnboundedReceiver<Event>),
    /// Follower-list scans, run in the background while this process polls.
    scanning: Option<JoinHandle<()>>,
    scans: (
        mpsc::UnboundedSender<ScanReport>,
        mpsc::UnboundedReceiver<ScanReport>,
    ),
    /// Whether this process holds the lease, as the follower scans see it.
    gate: watch::Sender<bool>,
    /// Whether its scheduler polls: the lease's holder, or on a history
    /// other machines share (PostgreSQL) every process that reaches it,
    /// each poll claimed first so that none is polled twice.
    poll_gate: watch::Sender<bool>,
    role: Option<Role>,
    lease: Lease,
    exporter: Option<(metrics::Server, metrics::Exporter)>,
    out: mpsc::UnboundedSender<ServiceEvent>,
    opts: Options,
}

impl Core {
    fn start_scheduler(&mut self) {
        if let Some((_, old)) = self.scheduler.take() {
            old.abort();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(Arc::clone(&self.parts.poller).run(
            rx,
            self.polls.0.clone(),
            self.poll_gate.subscribe(),
        ));
        self.scheduler = Some((tx, task));
        // a scan stopped mid-list resumes from its cursor in the new one
        if let Some(old) = self.scanning.take() {
            old.abort();
        }
        self.scanning = Some(tokio::spawn(
            Arc::clone(&self.parts.scanner).run(self.scans.0.clone(), self.gate.subscribe()),
        ));
    }

    fn polls(&self) -> bool {
        *self.poll_gate.borrow()
    }

    async fn renew(&mut self) {
        let role = match self.lease.renew().await {
            Ok(true) => Role::Polling,
            // on a shared history every process polls its share
            Ok(false) if self.store.shared() => Role::Sharing,
            Ok(false) => Role::Watching,
            Err(e) => Role::Unreachable(e.to_string()),
        };
        self.gate.send_replace(role == Role::Polling);
        self.poll_gate
            .send_replace(matches!(role, Role::Polling | Role::Sharing));
        if self.role.as_ref() != Some(&role) {
            self.role = Some(role.clone());
            let _ = self.out.send(ServiceEvent::Role(role));
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Cmd>) {
        let start = tokio::time::Instant::now();
        let mut lease_tick =
            tokio::time::interval_at(start + lease::RENEW_EVERY, lease::RENEW_EVERY);
        let mut stale_tick = tokio::time::interval(STALE_CHECK);
        // on PostgreSQL other machines' writes are heard as they commit
        // (LISTEN); the counter is still read now and then in case one went
        // unheard, and every second where nothing is heard (a data dir)
        let (heard_tx, mut heard) = mpsc::unbounded_channel::<()>();
        let listener = match self.opts.watch_changes {
            Some(_) => self
                .opts
                .history
                .listen(move || {
                    let _ = heard_tx.send(());
                })
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot listen for other machines' writes");
                    None
                }),
            None => None,
        };
        let every = if listener.is_some() {
            CHANGE_CHECK_LISTENING
        } else {
            CHANGE_CHECK
        };
        let mut change_tick = tokio::time::interval_at(start + every, every);
        let mut config_tick = tokio::time::interval_at(start + CONFIG_CHECK, CONFIG_CHECK);
        for t in [
            &mut lease_tick,
            &mut stale_tick,
            &mut change_tick,
            &mut config_tick,
        ] {
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        let mut seen = self.opts.watch_changes;
        let mut alerts_seen = match seen {
            Some(_) => self.store.read(|s| s.last_alert_id()).await.unwrap_or(0),
            None => 0,
        };
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None => break,
                    Some(Cmd::Stop(drain, done)) => {
                        self.shutdown(drain).await;
                        let _ = done.send(());
                        return;
                    }
                    Some(Cmd::PollNow(who)) => self.poll_now(who),
                    Some(Cmd::ReadConfig { force }) => self.read_config(force).await,
                },
                Some(ev) = self.polls.1.recv() => {
                    if let Event::Finished(r) = &ev {
                        self.fire(r.at);
                    }
                    let _ = self.out.send(ServiceEvent::Poll(ev));
                }
                Some(report) = self.scans.1.recv() => {
                    if let Some((account, scan)) = followed(&report) {
                        self.fire_followed(account, scan);
                    }
                    let _ = self.out.send(ServiceEvent::Scanned(report));
                }
                _ = lease_tick.tick() => self.renew().await,
                _ = stale_tick.tick() => self.fire(self.opts.clock.now()),
                _ = change_tick.tick(), if seen.is_some() => {
                    self.check_changes(&mut seen, &mut alerts_seen).await;
                }
                Some(()) = heard.recv() => {
                    // one read for a burst of writes
                    while heard.try_recv().is_ok() {}
                    self.check_changes(&mut seen, &mut alerts_seen).await;
                }
                _ = config_tick.tick() => self.read_config(false).await,
            }
        }
        drop(listener);
        self.shutdown(Duration::from_secs(1)).await;
    }

    /// Reads what other processes changed since generation `seen` and tells
    /// the front end (the accounts to read again; new alerts).
    async fn check_changes(&mut self, seen: &mut Option<i64>, alerts_seen: &mut i64) {
        let Some(before) = *seen else { return };
        let read = self
            .store
            .read(move |s| {
                let g = s.generation()?;
                if g == before {
                    return Ok(None);
                }
                Ok(Some((g, s.changed_since(before)?, s.last_alert_id()?)))
            })
            .await;
        if let Ok(Some((g, keys, last_alert))) = read {
            *seen = Some(g);
            let _ = self.out.send(ServiceEvent::Changed(keys));
            // alerts recorded here or by another process
            if last_alert > *alerts_seen {
                *alerts_seen = last_alert;
                let _ = self.out.send(ServiceEvent::AlertsChanged);
            }
        }
    }

    /// Stops the scheduler, gives tries of deliveries under way up to
    /// `drain` to end (one cut short stays pending, and is tried again once
    /// its claim runs out), releases the lease.
    async fn shutdown(&mut self, drain: Duration) {
        if let Some((_, task)) = self.scheduler.take() {
            task.abort();
        }
        if let Some(task) = self.scanning.take() {
            task.abort();
        }
        self.deliverer.stop();
        if let Some(mut task) = self.delivering.take()
            && tokio::time::timeout(drain, &mut task).await.is_err()
        {
            task.abort();
        }
        self.lease.release().await;
        self.gate.send_replace(false);
    }

    /// Takes what is queued and the silences at `now` through the alert
    /// rules off this task; what fired is reported and delivered.
    fn fire(&self, now: jiff::Timestamp) {
        let (alerts, store, out, deliverer) = (
            Arc::clone(&self.parts.alerts),
            self.store.clone(),
            self.out.clone(),
            Arc::clone(&self.deliverer),
        );
        tokio::spawn(async move {
            // an error is logged; what is queued stays for the next time
            if let Ok(fired) = alerts.fire(&store, now).await
                && !fired.is_empty()
            {
                deliverer.kick();
                let _ = out.send(ServiceEvent::Fired(fired));
            }
        });
    }

    /// The follower rules over a completed scan's new followers, off this
    /// task; what fired is reported and delivered.
    fn fire_followed(&self, account: String, scan: i64) {
        let (alerts, store, out, deliverer, now) = (
            Arc::clone(&self.parts.alerts),
            self.store.clone(),
            self.out.clone(),
            Arc::clone(&self.deliverer),
            self.opts.clock.now(),
        );
        tokio::spawn(async move {
            match alerts.fire_followed(&store, account, scan, now).await {
                Ok(fired) if !fired.is_empty() => {
                    deliverer.kick();
                    let _ = out.send(ServiceEvent::Fired(fired));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot evaluate follower alerts"),
            }
        });
    }

    fn poll_now(&self, who: Option<String>) {
        if self.polls() {
            if let Some((tx, _)) = &self.scheduler {
                let _ = tx.send(match who {
                    Some(id) => Command::PollNow(id),
                    None => Command::PollAll,
                });
            }
            return;
        }
        // not the polling process: poll once here, the holder's schedule stays
        let poller = Arc::clone(&self.parts.poller);
        let ids: Vec<String> = poller
            .accounts()
            .iter()
            .filter(|a| crate::platforms::platform(a.platform).polled())
            .filter(|a| who.as_ref().is_none_or(|id| *id == a.id))
            .map(|a| a.id.clone())
            .collect();
        for id in ids {
            let _ = self
                .out
                .send(ServiceEvent::Poll(Event::Started(id.clone())));
            let (poller, events) = (Arc::clone(&poller), self.polls.0.clone());
            tokio::spawn(async move {
                if let Some(a) = poller.accounts().iter().find(|a| a.id == id) {
                    let r = poller.poll_one(a).await;
                    let _ = events.send(Event::Finished(r));
                }
            });
        }
    }

    /// Reads the config file if it changed (or `force`), and puts a valid one
    /// to use.
    async fn read_config(&mut self, force: bool) {
        let path = self.current().path.clone();
        let now = stamp(&path);
        if now.is_none() && !force {
            // deleted or moved: said once, the old config stays
            if self.stamp.is_some() {
                self.stamp = None;
                let _ = self.out.send(ServiceEvent::Config(Err(format!(
                    "{} is gone; the config in use stays",
                    path.display()
                ))));
            }
            return;
        }
        if now == self.stamp && !force {
            return;
        }
        self.stamp = now;
        let loaded = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || Config::load(&path).map_err(|e| e.to_string()))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        };
        let result = match loaded {
            Ok(config) => self.apply(Arc::new(config)).await,
            Err(e) => Err(e),
        };
        let _ = self.out.send(ServiceEvent::Config(result));
    }

    fn current(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Registers `config`'s accounts, then swaps the scheduler, the alert
    /// rules and the exporter's accounts together.
    async fn apply(&mut self, config: Arc<Config>) -> Result<Arc<Config>, String> {
        self.store
            .sync_accounts(config.accounts.clone())
            .await
            .map_err(|e| format!("cannot register the accounts: {e}"))?;
        let parts = Parts::new(&config, &self.store, &self.opts).map_err(|e| format!("{e:#}"))?;
        // tries under way end with the old [notify]
        self.parts = parts;
        self.deliverer.set_notify(&config.notify);
        self.start_scheduler();
        if let Some((_, exporter)) = &self.exporter {
            exporter.set_config(Arc::clone(&config));
        }
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&config);
        Ok(config)
    }
}

/// The account and scan of a completed scan that found new followers.
fn followed(r: &ScanReport) -> Option<(String, i64)> {
    match &r.outcome {
        ScanOutcome::Completed(d) if d.followed > 0 => Some((r.account.clone(), r.scan)),
        _ => None,
    }
}

/// What `poll --once` came to.
pub struct OnceReport {
    pub results: Vec<PollResult>,
    /// The follower-list scans that were due, run after the polls.
    pub scans: Vec<ScanReport>,
    pub fired: Vec<AlertRow>,
    /// Why the alert rules could not run (what is queued stays queued).
    pub not_evaluated: Option<String>,
    /// What became of the deliveries it tried.
    pub deliveries: alerts::Report,
    /// How long it gave deliveries.
    pub bound: Duration,
}

/// `poll --once`: every account polled once (concurrently), then the
/// follower-list scans that are due (each to its end, within the hosts'
/// limits), then the alert rules over what is queued (this run's samples,
/// and any that a stopped process left) and the scans' new followers, then
/// deliveries of what is due for at most [`alerts::deliver::once_bound`];
/// what is not delivered by then stays pending for the next run.
pub async fn poll_once(
    config: &Config,
    store: &Handle,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn Secrets>,
) -> anyhow::Result<OnceReport> {
    let poller = Arc::new(
        Poller::with_seams(
            config,
            store.clone(),
            Arc::clone(&clock),
            Arc::clone(&secrets),
        )?
        .one_shot(),
    );
    let scanner = Scanner::with_seams(
        config,
        store.clone(),
        Arc::clone(&clock),
        Arc::clone(&secrets),
    )?;
    let alerts = Arc::new(Alerts::new(config));
    let deliverer = Arc::new(Deliverer::new(&config.notify, secrets, Arc::clone(&clock)));
    let results = poller.poll_all(None).await;
    let scans = scanner.run_due().await;
    // alerts after every poll is done, so no poll waits on a delivery
    let (mut fired, mut not_evaluated) = match alerts.fire(store, clock.now()).await {
        Ok(fired) => (fired, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    for (account, scan) in scans.iter().filter_map(followed) {
        match alerts
            .fire_followed(store, account, scan, clock.now())
            .await
        {
            Ok(more) => fired.extend(more),
            Err(e) => not_evaluated = Some(e.to_string()),
        }
    }
    let bound = alerts::deliver::once_bound(&config.notify);
    let deadline = tokio::time::Instant::now() + bound;
    let deliveries = deliverer.run(store.clone(), Some(deadline), |_| {}).await;
    Ok(OnceReport {
        results,
        scans,
        fired,
        not_evaluated,
        deliveries,
        bound,
    })
}

/// Lines for poll results (see [`poller::describe`]), the account column as
/// wide as the config's longest id. Made once per config: working the width
/// and metric out for each line took a pass over every account per line,
/// 25 M steps for the 5,000 lines of a 5,000-account poll.
pub struct Lines {
    config: Arc<Config>,
    width: usize,
    metrics: HashMap<String, String>,
}

impl Lines {
    pub fn new(config: Arc<Config>) -> Lines {
        let width = config
            .accounts
            .iter()
            .map(|a| a.id.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        let metrics = config
            .accounts
            .iter()
            .map(|a| (a.id.clone(), a.metric().to_string()))
            .collect();
        Lines {
            config,
            width,
            metrics,
        }
    }

    /// The same lines for `config`, made again only if it is another one (a
    /// reload).
    pub fn follow(&mut self, config: Arc<Config>) {
        if !Arc::ptr_eq(&self.config, &config) {
            *self = Lines::new(config);
        }
    }

    /// One line for a poll result.
    pub fn describe(&self, r: &PollResult) -> String {
        let metric = self
            .metrics
            .get(&r.account)
            .map_or("followers", |m| m.as_str());
        poller::describe(r, metric, self.width)
    }
}
