//! The local Chime service (`chime-admin serve`): an AWS-compatible endpoint
//! on loopback that the AWS CLI, boto3 and our own client accept as Chime.
//!
//! - [`routes`] holds the one HTTP handler (body cap, auth, routing, faults, answer)
//! - [`auth`] holds SigV4 verification, [`keys`] where the accepted keys come from
//! - [`handlers`] holds the 21 operations over the [`store`]
//! - [`persist`] holds `--state` (SQLite, one transaction per changing request)
//!   and [`schema`] what makes a file ours (marker, versions, migration)
//! - [`seed`] holds data sets (demo, generated, JSON)
//! - [`server`] holds the HTTP server and its limits (timeouts, connection cap)
//! - [`faults`], [`request_log`]

pub mod auth;
pub mod error;
pub mod faults;
pub mod handlers;
pub mod keys;
pub mod persist;
pub mod request_log;
pub mod routes;
pub mod schema;
pub mod seed;
pub mod server;
pub mod store;
pub mod writer;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::AccessKey;
pub use faults::FaultConfig;
pub use seed::DataSet;

/// The service's idea of now (for `X-Amz-Date` checks and timestamps).
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Always this instant (tests replaying recorded requests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Where `serve`'s data comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Seed {
    #[default]
    Demo,
    Empty,
    /// A JSON data set.
    File(PathBuf),
}

/// `chime-admin serve`'s options as given (the flags, without clap):
/// [`ServiceConfig::from_options`] checks them.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data: Seed,
    pub state: Option<PathBuf>,
    /// `ID:SECRET[:read-only][:token=T]` each.
    pub access_keys: Vec<String>,
    pub access_keys_file: Option<PathBuf>,
    pub request_log: Option<PathBuf>,
    pub max_connections: Option<usize>,
    pub header_timeout_ms: u64,
    pub body_timeout_ms: u64,
    pub faults: FaultConfig,
}

/// Everything `start` needs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub listen: SocketAddr,
    pub data: DataSet,
    pub state_file: Option<PathBuf>,
    pub keys: Vec<AccessKey>,
    pub faults: FaultConfig,
    pub request_log: Option<PathBuf>,
    pub clock: Clock,
    pub limits: server::Limits,
}

impl ServiceConfig {
    /// 127.0.0.1:0, demo data, AKIDEXAMPLE/secret, no faults, in memory.
    pub fn demo() -> Self {
        ServiceConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: DataSet::demo(),
            state_file: None,
            keys: vec![AccessKey::example()],
            faults: FaultConfig::default(),
            request_log: None,
            clock: Clock::System,
            limits: server::Limits::default(),
        }
    }

    /// Like [`ServiceConfig::demo`] with no accounts.
    pub fn empty() -> Self {
        ServiceConfig {
            data: DataSet::empty(),
            ..Self::demo()
        }
    }

    /// Checks `serve`'s options and reads the data set and keys they name.
    pub fn from_options(args: &ServeOptions) -> anyhow::Result<Self> {
        let data = match &args.data {
            Seed::Empty => DataSet::empty(),
            Seed::File(p) => DataSet::from_json_file(p)?,
            Seed::Demo => DataSet::demo(),
        };
        let keys = keys::gather(
            &args.access_keys,
            args.access_keys_file.as_deref(),
            std::env::var(keys::ENV).ok().as_deref(),
        )?;
        for (name, p) in [
            ("--fail-rate", args.faults.fail_rate),
            ("--item-fail-rate", args.faults.item_fail_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                anyhow::bail!("{name} must be between 0 and 1, got {p}");
            }
        }
        if args.faults.throttle_rps < 0.0 || !args.faults.throttle_rps.is_finite() {
            anyhow::bail!("--throttle-rps must be 0 or more");
        }
        let limits = limits_from_options(args)?;
        Ok(ServiceConfig {
            limits,
            listen: args.listen,
            data,
            state_file: args.state.clone(),
            keys,
            faults: args.faults.clone(),
            request_log: args.request_log.clone(),
            clock: Clock::System,
        })
    }

    pub fn with_faults(mut self, f: impl Into<FaultConfig>) -> Self {
        self.faults = f.into();
        self
    }

    pub fn with_data(mut self, d: DataSet) -> Self {
        self.data = d;
        self
    }

    pub fn with_state_file(mut self, p: PathBuf) -> Self {
        self.state_file = Some(p);
        self
    }

    pub fn with_keys(mut self, keys: Vec<AccessKey>) -> Self {
        self.keys = keys;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_request_log(mut self, p: PathBuf) -> Self {
        self.request_log = Some(p);
        self
    }

    pub fn with_listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    pub fn with_limits(mut self, limits: server::Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// `--max-connections` (checked against `ulimit -n`), `--header-timeout-ms`,
/// `--body-timeout-ms`.
fn limits_from_options(args: &ServeOptions) -> anyhow::Result<server::Limits> {
    let max_connections = match args.max_connections {
        None => server::default_max_connections(),
        Some(0) => anyhow::bail!("--max-connections must be at least 1"),
        Some(n) => {
            if let (Some(allowed), Some(fds)) =
                (server::max_connections_allowed(), server::fd_limit())
                && n as u64 > allowed
            {
                anyhow::bail!(
                    "--max-connections {n} does not fit the file-descriptor limit (ulimit -n {fds}): at most {allowed}"
                );
            }
            n
        }
    };
    for (name, ms) in [
        ("--header-timeout-ms", args.header_timeout_ms),
        ("--body-timeout-ms", args.body_timeout_ms),
    ] {
        if ms == 0 {
            anyhow::bail!("{name} must be at least 1");
        }
    }
    Ok(server::Limits {
        max_connections,
        header_timeout: std::time::Duration::from_millis(args.header_timeout_ms),
        body_timeout: std::time::Duration::from_millis(args.body_timeout_ms),
    })
}

/// A service running on a tokio task.
pub struct RunningService {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl RunningService {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, then returns. Every
    /// acknowledged change is already committed to the state file.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .context("the service task failed")?
            .context("the HTTP server failed")?;
        // The server is gone, and with it the last handle to the writer: it
        // finishes its queue and closes the state file.
        if let Some(writer) = self.writer.take() {
            let joined = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                tokio::task::spawn_blocking(move || writer.join()),
            )
            .await
            .context("the writer thread did not stop")?;
            if !matches!(joined, Ok(Ok(()))) {
                anyhow::bail!("the writer thread failed");
            }
        }
        Ok(())
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Builds the store (from the state file or the data set) and starts serving.
pub async fn start(cfg: ServiceConfig) -> anyhow::Result<RunningService> {
    let ServiceConfig {
        listen,
        data,
        state_file,
        keys,
        faults,
        request_log,
        clock,
        limits,
    } = cfg;
    let (store, persist) = match state_file {
        Some(path) => {
            let (p, s) = tokio::task::spawn_blocking(move || {
                persist::Persist::open_or_create(&path, move || Ok(data))
            })
            .await
            .context("opening the state file")??;
            (s, Some(p))
        }
        None => (data.into_store(), None),
    };
    let log = request_log
        .map(|p| {
            request_log::RequestLog::open(&p)
                .with_context(|| format!("opening the request log {}", p.display()))
        })
        .transpose()?;
    let (writer, writer_thread) = writer::spawn(persist).context("starting the writer thread")?;
    let app = Arc::new(routes::App {
        store: Arc::new(RwLock::new(store)),
        writer,
        keys,
        faults: Arc::new(faults::Faults::new(faults)),
        log,
        clock,
        body_timeout: limits.body_timeout,
    });
    let router = axum::Router::new().fallback(routes::handle).with_state(app);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::run(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    Ok(RunningService {
        addr,
        stop: Some(stop),
        task,
        writer: Some(writer_thread),
    })
}

/// Installs SIGINT/SIGTERM handlers now; the future resolves on either.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// `chime-admin serve`: run until SIGINT/SIGTERM, then stop gracefully.
pub async fn serve(args: ServeOptions) -> anyhow::Result<ExitCode> {
    let cfg = ServiceConfig::from_options(&args)?;
    if !cfg.listen.ip().is_loopback() {
        eprintln!(
            "chime-admin: warning: listening on {}, which is not loopback; anyone who can reach it and knows a key can change the data",
            cfg.listen
        );
    }
    let stopped = stop_signal()?;
    let faults = cfg.faults.clone();
    let state = cfg.state_file.clone();
    let limits = cfg.limits;
    let svc = start(cfg).await?;
    tracing::info!(
        url = %svc.endpoint_url(),
        state = ?state,
        latency_ms = faults.latency_ms,
        jitter_ms = faults.jitter_ms,
        throttle_rps = faults.throttle_rps,
        fail_rate = faults.fail_rate,
        item_fail_rate = faults.item_fail_rate,
        max_connections = limits.max_connections,
        header_timeout_ms = limits.header_timeout.as_millis(),
        body_timeout_ms = limits.body_timeout.as_millis(),
        "listening"
    );
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", svc.endpoint_url())?;
        out.flush()?;
    }
    stopped.await;
    tracing::info!("stopping: finishing the requests in flight");
    svc.shutdown().await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
