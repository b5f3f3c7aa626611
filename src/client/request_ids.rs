//! The request ids of the calls a piece of work made, so that an audit line
//! for a single operation can name them (batch outcomes carry their own).
//! One task-local list, filled by the client as each answer arrives.

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static SEEN: RefCell<Vec<String>>;
}

/// Runs `work` and returns its output with the request id of every answer
/// it received (successes and errors, in order). Captures nest: an outer
/// capture sees the ids an inner one saw. Calls made from tasks that `work`
/// spawns are not seen.
pub async fn capture<F: Future>(work: F) -> (F::Output, Vec<String>) {
    let (out, ids) = SEEN
        .scope(RefCell::new(Vec::new()), async move {
            let out = work.await;
            let ids = SEEN.try_with(|s| s.take()).unwrap_or_default();
            (out, ids)
        })
        .await;
    for id in &ids {
        record(Some(id.clone()));
    }
    (out, ids)
}

/// Called by the client for each answer; a no-op outside [`capture`].
pub(crate) fn record(id: Option<String>) {
    if let Some(id) = id {
        let _ = SEEN.try_with(|s| s.borrow_mut().push(id));
    }
}
