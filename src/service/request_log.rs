//! `--request-log`: one JSON line per request. It carries the operation, the
//! status, the error type, the delay injected (`--latency-ms` plus the
//! `--jitter-ms` drawn), the whole latency and the ids of the users it
//! changed; never a key, a token, an email or a PIN.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

#[derive(Serialize)]
pub struct Entry<'a> {
    pub time: String,
    pub request_id: &'a str,
    pub operation: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub status: u16,
    pub error_type: Option<&'a str>,
    /// The delay the faults added (part of `latency_ms`).
    pub delay_ms: u64,
    pub latency_ms: f64,
    pub changed_user_ids: &'a [String],
}

pub struct RequestLog {
    file: Mutex<File>,
}

impl RequestLog {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file = crate::private_file::append(path)?;
        Ok(RequestLog {
            file: Mutex::new(file),
        })
    }

    /// Appends one line (one write, so lines never interleave).
    pub fn write(&self, entry: &Entry<'_>) {
        let Ok(mut line) = serde_json::to_vec(entry) else {
            return;
        };
        line.push(b'\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = f.write_all(&line) {
            tracing::warn!("request log: {e}");
        }
    }
}
