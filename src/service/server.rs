//! The HTTP server under the service: hyper's HTTP/1.1 connections, one task
//! each, with the limits a long-running server needs on a shared machine.
//!
//! - **Header read timeout** (hyper's `header_read_timeout`): a connection
//!   must send a complete request head within it, counted from when it opened
//!   or finished its last answer. So it closes connections that send nothing,
//!   half a head, and keep-alive connections left idle (the idle timeout).
//! - **Body deadline** (in `routes`): a request's whole body must arrive
//!   within the body timeout of the handler starting to read it (a total,
//!   not a per-read timeout a byte now and then would keep resetting), else
//!   400. And a body is read only once the `Authorization` header has the
//!   right shape and names a key we accept.
//! - **Connection cap**: at most `max_connections` open at once, below the
//!   file-descriptor limit, so `accept` never fails with "Too many open
//!   files". When a connection arrives with every slot taken, every open
//!   connection is asked to close once idle (hyper's graceful shutdown):
//!   those waiting for a request close at once and free their slots, busy ones
//!   after their answer. But first, if a connection is reading a request
//!   body, the one reading the longest (the slowest) is closed instead. A new client is served
//!   promptly however many idle or slow-body sockets are held (nginx likewise
//!   closes idle keep-alive connections when it runs short of connections).
//!
//! Stopping closes the listener, asks every connection to close once idle and
//! waits for all of them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

/// One connection as the accept loop sees it: since when it has been reading
/// a request body (if it is), and the token that closes it. The handler
/// finds it in its request's extensions.
#[derive(Debug, Default)]
pub struct ConnBody {
    since: Mutex<Option<Instant>>,
    evict: CancellationToken,
}

/// Marks a connection as reading a body until dropped.
pub struct ReadingBody<'a>(&'a ConnBody);

impl ConnBody {
    pub fn reading(&self) -> ReadingBody<'_> {
        *self.since.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        ReadingBody(self)
    }

    fn since(&self) -> Option<Instant> {
        *self.since.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for ReadingBody<'_> {
    fn drop(&mut self) {
        *self.0.since.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

type Conns = Arc<Mutex<HashMap<u64, Arc<ConnBody>>>>;

/// Closes the connection that has been reading a body the longest, if any
/// (true then).
fn evict_slowest_body(conns: &Conns) -> bool {
    let conns = conns.lock().unwrap_or_else(|e| e.into_inner());
    let slowest = conns
        .values()
        .filter(|c| !c.evict.is_cancelled())
        .filter_map(|c| c.since().map(|t| (t, c)))
        .min_by_key(|(t, _)| *t);
    match slowest {
        Some((_, c)) => {
            c.evict.cancel();
            true
        }
        None => false,
    }
}

/// File descriptors kept back from the connection cap for the process's own
/// files (state file and its WAL, logs, the listener, stdio).
pub const FD_RESERVE: u64 = 64;

/// The most connections served by default, whatever the fd limit.
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;

/// How long connections may dawdle, and how many may be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: default_max_connections(),
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// The soft `RLIMIT_NOFILE` (`ulimit -n`), if it can be read.
pub fn fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    (rc == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

/// The most connections the fd limit leaves room for (`None`: no limit known).
pub fn max_connections_allowed() -> Option<u64> {
    fd_limit().map(|n| n.saturating_sub(FD_RESERVE).max(1))
}

/// 1024, or fewer if the fd limit leaves less room.
pub fn default_max_connections() -> usize {
    let n = max_connections_allowed()
        .unwrap_or(DEFAULT_MAX_CONNECTIONS)
        .min(DEFAULT_MAX_CONNECTIONS);
    usize::try_from(n).unwrap_or(1)
}

/// Serves `router` on `listener` until `stop` resolves, then lets every
/// connection finish its request and returns.
pub async fn run(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    // Bumped to ask every connection to close once idle.
    let (close_idle, _) = watch::channel(0u64);
    let service = TowerToHyperService::new(router);
    let conns: Conns = Arc::default();
    let mut next_id: u64 = 0;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut stop = std::pin::pin!(stop);
    // Logged once each time the cap is reached, not once per connection.
    let mut full = false;
    loop {
        let sock = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((sock, _)) => sock,
                Err(e) => {
                    // Out of fds or memory: wait a little rather than spin.
                    tracing::warn!("accept error: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(100)) => continue,
                        _ = &mut stop => break,
                    }
                }
            },
            _ = &mut stop => break,
        };
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(p) => {
                full = false;
                p
            }
            Err(_) => {
                if !full {
                    full = true;
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: closing idle connections"
                    );
                }
                // The slowest body first; else every idle connection (a
                // fresh one not yet sending is spared while a body dawdles).
                if !evict_slowest_body(&conns) {
                    close_idle.send_modify(|n| *n += 1);
                }
                tokio::select! {
                    p = Arc::clone(&slots).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut stop => break,
                }
            }
        };
        let body = Arc::new(ConnBody::default());
        next_id += 1;
        let id = next_id;
        conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, body.clone());
        let svc = service.clone();
        let ext = body.clone();
        let per_conn =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ext.clone());
                hyper::service::Service::call(&svc, req)
            });
        let conn = http.serve_connection(TokioIo::new(sock), per_conn);
        let mut closing = close_idle.subscribe();
        let registry = conns.clone();
        tokio::spawn(async move {
            let _slot = permit;
            let mut conn = std::pin::pin!(conn);
            let mut asked = false;
            loop {
                tokio::select! {
                    done = conn.as_mut() => {
                        if let Err(e) = done {
                            tracing::debug!("connection closed: {e}");
                        }
                        break;
                    }
                    _ = body.evict.cancelled() => {
                        tracing::debug!("connection at the cap with the slowest body: closed");
                        break;
                    }
                    changed = closing.changed(), if !asked => {
                        asked = true;
                        if changed.is_ok() {
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            registry
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        });
    }
    drop(listener);
    close_idle.send_modify(|n| *n += 1);
    // Every slot back: every connection has closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}
