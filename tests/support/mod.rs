//! Helpers shared by the test files: the real binary's `serve` as a child
//! process ([`Serve`]), a canned HTTP server for answers no Chime would
//! give ([`Canned`]), and the recorded AWS CLI requests ([`vectors`]).

#![allow(dead_code)]

pub mod fixtures;
pub mod headless;
pub mod planner;
pub mod tmux;
pub mod vectors;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chime_admin::client::{Client, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A client of `endpoint` with the example keys whose retries wait 1 ms.
pub fn quick_client(endpoint: &str) -> Client {
    Client::with_static_credentials(endpoint, "us-east-1", "AKIDEXAMPLE", "secret")
        .expect("client")
        .with_retry(RetryConfig {
            base_delay: Duration::from_millis(1),
            throttle_base_delay: Duration::from_millis(1),
            ..RetryConfig::default()
        })
}

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
        quick_client(&format!("http://{}", self.addr))
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }
}

/// A home of its own under `dir` for a child process: HOME, XDG_CONFIG_HOME
/// and XDG_STATE_HOME, so no user's `config.toml` is read and no log or audit
/// file of the machine is written (the XDG defaults under that HOME, set
/// so an XDG variable of the machine cannot lead elsewhere). Use as
/// `cmd.envs(own_home(dir))`.
pub fn own_home(dir: &Path) -> [(&'static str, PathBuf); 3] {
    [
        ("HOME", dir.to_path_buf()),
        ("XDG_CONFIG_HOME", dir.join(".config")),
        ("XDG_STATE_HOME", dir.join(".local/state")),
    ]
}

/// [`own_home`] in `dir` as `K=V` words, for `env` in a shell command (the
/// console in a tmux pane).
pub fn own_home_env(dir: &Path) -> String {
    own_home(dir)
        .iter()
        .map(|(k, v)| format!("{k}={}", v.display()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `chime-admin serve` as a child process on 127.0.0.1, started by a
/// [`ServeBuilder`]; killed by its own pid on drop.
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`, read from the `listening on` line.
    pub url: String,
    /// Holds the `--log-file` (never the machine's own state dir).
    logs: tempfile::TempDir,
}

/// How to start a [`Serve`]: extra flags, `--state`, environment.
#[derive(Default)]
pub struct ServeBuilder {
    args: Vec<String>,
    state: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl ServeBuilder {
    /// More `serve` flags, as on the command line.
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Keep the data in this SQLite database (`--state`).
    pub fn state(mut self, path: &Path) -> Self {
        self.state = Some(path.to_path_buf());
        self
    }

    /// One more environment variable for the child.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Spawns `serve --listen 127.0.0.1:0 --log-file TEMP/serve.log`, waits
    /// for its `listening on URL` line and keeps draining its stdout so it
    /// never blocks on the pipe.
    pub fn start(self) -> Serve {
        self.spawn(Command::new(env!("CARGO_BIN_EXE_chime-admin")))
    }

    /// Like [`ServeBuilder::start`], with `serve` run by `sh -c 'SETUP; exec
    /// chime-admin …'` (so its pid is the shell's): `SETUP` is e.g. `umask
    /// 000` or `ulimit -n 128`.
    pub fn start_in_shell(self, setup: &str) -> Serve {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("{setup}; exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_chime-admin"));
        self.spawn(sh)
    }

    /// `cmd` (the binary, or a shell that execs it) with serve's arguments.
    fn spawn(self, mut cmd: Command) -> Serve {
        let logs = tempfile::tempdir().expect("a temp dir for the log");
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--log-file")
            .arg(logs.path().join("serve.log"))
            .args(&self.args)
            .envs(own_home(logs.path()))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(state) = &self.state {
            cmd.arg("--state").arg(state);
        }
        let mut child = cmd.spawn().expect("spawn serve");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        // From here on a panic still stops the child (Drop).
        let mut serve = Serve {
            child,
            url: String::new(),
            logs,
        };
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .expect("read the listening line");
        serve.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        assert!(serve.url.starts_with("http://127.0.0.1:"), "{}", serve.url);
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        serve
    }
}

impl Serve {
    pub fn builder() -> ServeBuilder {
        ServeBuilder::default()
    }

    /// `serve` with these extra flags.
    pub fn start(args: &[&str]) -> Serve {
        Serve::builder().args(args).start()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file it writes (`--log-file`).
    pub fn log_file(&self) -> PathBuf {
        self.logs.path().join("serve.log")
    }

    /// SIGKILL, and wait for it to be gone.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM; waits (at most 20 s) and returns the exit code.
    pub fn terminate(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s.code();
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The real binary with an empty AWS world under `dir` and nothing from the
/// outside: only PATH, [`own_home`] in `dir`, empty config and credentials files, IMDS
/// off, and these keys in the environment.
pub fn chime_admin_isolated(dir: &Path, key: (&str, &str)) -> Command {
    let empty = dir.join("empty");
    std::fs::write(&empty, "").expect("an empty AWS config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chime-admin"));
    cmd.env_clear().envs([
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        ("AWS_CONFIG_FILE", empty.clone().into()),
        ("AWS_SHARED_CREDENTIALS_FILE", empty.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_ACCESS_KEY_ID", key.0.into()),
        ("AWS_SECRET_ACCESS_KEY", key.1.into()),
    ]);
    cmd.envs(own_home(dir));
    cmd
}

/// A JSON Lines file (a request log, an audit log), one value a line.
pub fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Runs `cmd`, asserts it succeeded (showing its stderr if not) and parses
/// its stdout as JSON.
pub fn run_json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Time allowed for one headless command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What a [`Hostile`] server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status and JSON body (`connection: close`).
    Json(u16, String),
    /// Reads the request and never answers (holds the connection open).
    Silent,
    /// Sends a status line and headers, then one byte of body every
    /// `interval`, for ever.
    Drip(Duration),
    /// Reads the request and closes the connection without an answer.
    Close,
    /// Sends the request on to the upstream and its answer back.
    Forward,
    /// Sends the request on to the upstream, then closes the connection
    /// without its answer: the change is made, the answer is lost.
    ForwardThenClose,
}

/// A loopback HTTP/1.1 server whose `rule(n, head)` decides what happens to
/// request `n` (0-based; `head` is its request line and headers): canned
/// answers, silence, a drip, a cut connection, or forwarding to an upstream
/// (a real `serve`). Records every request head. Stopped on drop.
pub struct Hostile {
    pub addr: std::net::SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Rule = dyn Fn(usize, &str) -> Reply + Send + Sync;

/// Reads one request (head and `content-length` body); None at EOF.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
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
                    Ok(0) | Err(_) => return None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return Some((head, buf[end + 4..end + 4 + len].to_vec()));
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// `head` without its `connection` header and with `connection: close`.
fn closing(head: &str) -> String {
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("connection: close");
    lines.join("\r\n")
}

/// Sends one request to `upstream` and reads its whole answer (the request
/// asks the upstream to close after it).
async fn forward(upstream: std::net::SocketAddr, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut up = tokio::net::TcpStream::connect(upstream).await.ok()?;
    let mut req = closing(head).into_bytes();
    req.extend_from_slice(b"\r\n\r\n");
    req.extend_from_slice(body);
    up.write_all(&req).await.ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await.ok()?;
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end]).to_string();
    let mut out = closing(&head).into_bytes();
    out.extend_from_slice(&answer[end..]);
    Some(out)
}

impl Hostile {
    pub async fn start(
        upstream: Option<std::net::SocketAddr>,
        rule: impl Fn(usize, &str) -> Reply + Send + Sync + 'static,
    ) -> Hostile {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        let rule: Arc<Rule> = Arc::new(rule);
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (seen, rule) = (seen.clone(), rule.clone());
                conns.spawn(async move {
                    let Some((head, body)) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = {
                        let mut h = seen.lock().expect("lock");
                        h.push(head.clone());
                        h.len() - 1
                    };
                    let reply = rule(n, &head);
                    match reply.clone() {
                        Reply::Json(status, body) => {
                            let answer = format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nx-amzn-RequestId: req-{n}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = sock.write_all(answer.as_bytes()).await;
                            let _ = sock.shutdown().await;
                        }
                        Reply::Silent => {
                            let mut sink = [0u8; 1024];
                            while matches!(sock.read(&mut sink).await, Ok(n) if n > 0) {}
                        }
                        Reply::Drip(interval) => {
                            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
                            if sock.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            loop {
                                tokio::time::sleep(interval).await;
                                if sock.write_all(b" ").await.is_err() {
                                    return;
                                }
                            }
                        }
                        Reply::Close => {
                            let _ = sock.shutdown().await;
                        }
                        Reply::Forward | Reply::ForwardThenClose => {
                            let up = upstream.expect("a Forward rule needs an upstream");
                            let answer = forward(up, &head, &body).await;
                            if let (Reply::Forward, Some(answer)) = (reply, answer) {
                                let _ = sock.write_all(&answer).await;
                            }
                            let _ = sock.shutdown().await;
                        }
                    }
                });
            }
        });
        Hostile { addr, heads, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }
}
/// `chime-admin serve ARGS`, which must stop by itself (a start that fails)
/// within a minute (else it is killed and the test fails): its exit code and
/// stderr.
pub fn serve_fails(args: &[&str]) -> (Option<i32>, String) {
    use std::io::Read;
    let logs = tempfile::tempdir().expect("a temp dir for the log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chime-admin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-file"])
        .arg(logs.path().join("serve.log"))
        .args(args)
        .envs(own_home(logs.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve {args:?} kept running; it should have refused to start");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (status.code(), err)
}

/// A loopback port that refuses every connection for as long as this value
/// lives: a socket bound to it and never listening, so no other process can
/// take the port meanwhile (a port bound and dropped, or port 9, might be
/// listened on by anyone).
pub struct RefusingPort {
    _socket: tokio::net::TcpSocket,
    pub port: u16,
}

impl RefusingPort {
    pub fn new() -> RefusingPort {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind a loopback port");
        let port = socket.local_addr().expect("its address").port();
        RefusingPort {
            _socket: socket,
            port,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Another admin: the real AWS CLI sets a user's license on `url` (its own
/// HOME under `home`, the example keys, no config or credentials files).
pub fn aws_set_license(url: &str, home: &Path, account: &str, user: &str, license: &str) {
    let empty = home.join("empty-aws-config");
    std::fs::write(&empty, "").expect("an empty AWS config");
    let out = Command::new("aws")
        .envs(own_home(home))
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .args(["chime", "update-user", "--endpoint-url", url])
        .args(["--region", "us-east-1", "--account-id", account])
        .args(["--user-id", user, "--license-type", license])
        .output()
        .expect("aws runs");
    assert!(
        out.status.success(),
        "aws chime update-user: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
