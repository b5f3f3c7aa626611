//! Helpers shared by the client test files: a canned HTTP server for answers
//! no Chime would give, and the real binary's `serve` as a child process.

#![allow(dead_code)]

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chime_admin::client::{Client, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP/1.1 server that answers request `n` with `answers[n]`
/// (the last one repeated) and records each request's head. Stopped on drop.
pub struct Canned {
    pub addr: std::net::SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Canned {
    pub async fn start(answers: Vec<(u16, &'static str, String)>) -> Canned {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let answers = answers.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Ok(n) = sock.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_string();
                            let len = head
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            while buf.len() < end + 4 + len {
                                match sock.read(&mut chunk).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                                }
                            }
                            let index = {
                                let mut h = seen.lock().expect("lock");
                                h.push(head);
                                h.len() - 1
                            };
                            let (status, ctype, body) =
                                answers[index.min(answers.len() - 1)].clone();
                            let answer = format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = sock.write_all(answer.as_bytes()).await;
                            let _ = sock.shutdown().await;
                            return;
                        }
                    }
                });
            }
        });
        Canned { addr, heads, task }
    }

    pub fn client(&self) -> Client {
        Client::with_static_credentials(
            &format!("http://{}", self.addr),
            "us-east-1",
            "AKIDEXAMPLE",
            "secret",
        )
        .expect("client")
        .with_retry(RetryConfig {
            base_delay: Duration::from_millis(1),
            ..RetryConfig::default()
        })
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }
}

/// `chime-admin serve` as a child process on 127.0.0.1; killed (by its pid) on drop.
pub struct Serve {
    child: std::process::Child,
    pub endpoint: String,
}

impl Serve {
    pub fn start(args: &[&str]) -> Serve {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chime-admin"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(stdout);
        let mut serve = Serve {
            child,
            endpoint: String::new(),
        };
        while reader.read_line(&mut line).expect("read") > 0 {
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                serve.endpoint = url.to_string();
                break;
            }
            line.clear();
        }
        assert!(!serve.endpoint.is_empty(), "serve printed no address");
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        serve
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Time allowed for one headless command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
