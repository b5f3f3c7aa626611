//! The one thread that changes data. Every changing request runs here, one at
//! a time: the operation computes its mutations under the store's write
//! lock, the state file (if any) commits them, then they are applied in
//! memory and the answer goes back. Reads never wait for it except for that
//! lock. One thread (rather than tokio's blocking pool) also keeps SQLite on
//! one connection and the allocator on one arena.

use std::sync::mpsc;
use std::thread::JoinHandle;

use super::persist::Persist;

/// A change to run on the writer thread, given the state file.
pub type Job = Box<dyn FnOnce(Option<&mut Persist>) + Send>;

#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<Job>,
}

impl WriterHandle {
    /// Queues a job; false if the writer has stopped.
    pub fn submit(&self, job: Job) -> bool {
        self.tx.send(job).is_ok()
    }
}

/// Starts the thread. It stops when every handle is dropped, after running
/// the jobs already queued, and closes the state file.
pub fn spawn(mut persist: Option<Persist>) -> std::io::Result<(WriterHandle, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<Job>();
    let thread = std::thread::Builder::new()
        .name("chime-writer".into())
        .spawn(move || {
            for job in rx {
                job(persist.as_mut());
            }
        })?;
    Ok((WriterHandle { tx }, thread))
}
