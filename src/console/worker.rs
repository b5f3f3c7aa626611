//! The worker: one tokio task that owns the client, runs Requests (`Effect::Io`) with bounded
//! concurrency and sends the results back as Actions. It never touches the
//! State, and refuses mutating requests in read-only mode whatever asks.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::client::{ApiError, Client, ClientEvent, ListUsersQuery};
use crate::model::{Operation, User};

use super::action::{
    Action, Failure, PlanFailure, ProfileFailure, ReadFailure, RereadFailure, Settings,
    WriteFailure,
};
use super::effect::{AdminOp, Request, SettingsTarget};
use super::jobs::ChangeJob;
use crate::audit::Audit;

/// Requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 4;

/// What the worker needs besides the client.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub read_only: bool,
    pub audit: Audit,
    /// Users per ListUsers page (the config's `page_size`).
    pub page_size: u32,
    /// Changes in flight at once (the config's `concurrency`).
    pub concurrency: usize,
    /// How the client was built, for `:profile` (None: the demo's fixed
    /// credentials, no switching).
    pub conn: Option<crate::cli::ConnArgs>,
}

type Cancels = Arc<Mutex<HashMap<u64, CancellationToken>>>;

/// The running worker: requests go in through `effects`.
pub struct Worker {
    pub effects: mpsc::UnboundedSender<Request>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Stops taking effects and ends the worker the way quitting promises:
    /// the unsent part of every change is cancelled, and what was already
    /// sent is waited for (at most `within`), so its results reach the
    /// audit log. False if time ran out first.
    pub async fn finish(self, within: Duration) -> bool {
        let Worker { effects, task } = self;
        drop(effects);
        tokio::time::timeout(within, task).await.is_ok()
    }
}

/// Starts the worker. `client` resolves the client (credentials may take a
/// moment, so the first frame never waits for it); requests sent before it is
/// ready wait, and if it fails every request is answered with that error.
pub fn spawn(
    client: impl Future<Output = Result<Client, ApiError>> + Send + 'static,
    cfg: WorkerConfig,
    actions: mpsc::UnboundedSender<Action>,
) -> Worker {
    let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
    let read_only = cfg.read_only;
    let task = tokio::spawn(async move {
        let client = client.await;
        let mut audit = cfg.audit;
        if let Ok(c) = &client {
            audit.endpoint = c.endpoint().to_string();
            let _ = actions.send(Action::Connected {
                endpoint: c.endpoint().to_string(),
            });
            forward_events(c, actions.clone());
        }
        let (page_size, concurrency) = (cfg.page_size, cfg.concurrency.max(1));
        let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT.min(concurrency)));
        let mut serve = Serve {
            client,
            audit,
            conn: cfg.conn,
            cancels: Arc::default(),
            changing: JoinSet::new(),
            actions: actions.clone(),
            page_size,
            concurrency,
        };
        while let Some(req) = rx.recv().await {
            while serve.changing.try_join_next().is_some() {}
            tracing::debug!(?req, "request");
            if read_only && req.is_mutating() {
                tracing::warn!(?req, "refused in read-only mode");
                let _ = actions.send(refused(&req));
                continue;
            }
            let mutating = req.is_mutating();
            let Some(call) = serve.route(req).await else {
                continue;
            };
            // One call: the slot is taken inside the task, so the loop keeps
            // reading requests (a cancel is never stuck behind calls in flight).
            let (actions, slots) = (actions.clone(), slots.clone());
            let task = async move {
                let Ok(_permit) = slots.acquire_owned().await else {
                    return;
                };
                let _ = actions.send(call.await);
            };
            if mutating {
                serve.changing.spawn(task);
            } else {
                tokio::spawn(task);
            }
        }
        // No more requests: the console is quitting.
        if let Ok(map) = serve.cancels.lock() {
            map.values().for_each(CancellationToken::cancel);
        }
        if !serve.changing.is_empty() {
            tracing::info!(
                tasks = serve.changing.len(),
                "quitting: unsent users cancelled, waiting for requests already sent"
            );
        }
        while serve.changing.join_next().await.is_some() {}
    });
    Worker { effects: tx, task }
}

/// What the worker's loop keeps between requests.
struct Serve {
    client: Result<Client, ApiError>,
    audit: Audit,
    /// How the client was built, for `:profile`.
    conn: Option<crate::cli::ConnArgs>,
    cancels: Cancels,
    /// Tasks that change something: waited for when the worker finishes.
    changing: JoinSet<()>,
    actions: mpsc::UnboundedSender<Action>,
    page_size: u32,
    concurrency: usize,
}

impl Serve {
    /// The client, or the failure to build it answered for this request.
    fn ready(&self, operation: &str, gen_id: u64) -> Option<Client> {
        match &self.client {
            Ok(c) => Some(c.clone()),
            Err(e) => {
                let _ = self.actions.send(failed(operation, gen_id, e));
                None
            }
        }
    }

    /// Runs a request, or starts it, at once; a single call that must wait
    /// for one of the slots comes back to be run in one.
    async fn route(&mut self, req: Request) -> Option<BoxFuture<'static, Action>> {
        let (operation, gen_id) = (req.operation(), req.generation());
        match req {
            Request::CancelBatch { batch_id } => self.cancel(batch_id),
            Request::WriteFile {
                path,
                contents,
                what,
                overwrite,
                note,
            } => {
                let labels = (what, note);
                let write = write_file(path, contents, labels, overwrite, self.actions.clone());
                tokio::spawn(write);
            }
            Request::SwitchProfile { profile } => self.switch_profile(profile).await,
            Request::Change { batch_id, plan } => {
                let client = self.ready(operation, gen_id)?;
                self.start_change(client, batch_id, plan);
            }
            Request::RefreshUsers {
                account_id,
                gen_id,
                user_ids,
            } => {
                let client = self.ready(operation, gen_id)?;
                let actions = self.actions.clone();
                tokio::spawn(refresh(client, account_id, gen_id, user_ids, actions));
            }
            Request::Plan {
                gen_id,
                account_id,
                change,
                user_ids,
            } => {
                let client = self.ready(operation, gen_id)?;
                return Some(plan(client, gen_id, account_id, change, user_ids).boxed());
            }
            Request::PlanFrom { gen_id, source } => {
                let client = self.ready(operation, gen_id)?;
                return Some(plan_from(client, gen_id, source).boxed());
            }
            Request::LoadHistory { gen_id } => {
                return Some(load_history(self.audit.path.clone(), gen_id).boxed());
            }
            Request::LoadAccounts { gen_id, token } => {
                let client = self.ready(operation, gen_id)?;
                let page = self.page_size;
                return Some(accounts_page(operation, client, gen_id, token, page).boxed());
            }
            Request::LoadUsersPage {
                account_id,
                gen_id,
                token,
            } => {
                let client = self.ready(operation, gen_id)?;
                let page = self.page_size;
                let call = users_page(operation, client, account_id, gen_id, token, page);
                return Some(call.boxed());
            }
            Request::FindUserByEmail {
                account_id,
                gen_id,
                email,
            } => {
                let client = self.ready(operation, gen_id)?;
                return Some(user_by_email(operation, client, account_id, gen_id, email).boxed());
            }
            Request::LoadSettings { gen_id, target } => {
                let client = self.ready(operation, gen_id)?;
                return Some(settings(operation, client, gen_id, target).boxed());
            }
            Request::Admin { gen_id, op } => {
                let client = self.ready(operation, gen_id)?;
                let audit = self.audit.clone();
                return Some(admin(operation, client, gen_id, op, audit).boxed());
            }
        }
        None
    }

    /// Stops sending the rest of a change (what is in flight finishes).
    fn cancel(&self, batch_id: u64) {
        if let Ok(map) = self.cancels.lock()
            && let Some(token) = map.get(&batch_id)
        {
            token.cancel();
        }
    }

    /// `:profile NAME`: the client rebuilt, answered at once.
    async fn switch_profile(&mut self, profile: String) {
        let conn = self.conn.as_ref();
        let result = switch_profile(
            conn,
            &profile,
            &mut self.client,
            &mut self.audit,
            &self.actions,
        );
        let result = result.await;
        tracing::info!(ok = result.is_ok(), "profile switched");
        let _ = self
            .actions
            .send(Action::ProfileSwitched { profile, result });
    }

    /// A change runs as a task of its own (waited for when quitting).
    fn start_change(&mut self, client: Client, batch_id: u64, plan: Box<crate::plan::Plan>) {
        let job = ChangeJob::new(batch_id, plan);
        self.changing.spawn(run_job(
            job,
            client,
            self.concurrency,
            &self.audit,
            &self.cancels,
            &self.actions,
        ));
    }
}

/// The audit log read back as the history of changes.
async fn load_history(path: std::path::PathBuf, gen_id: u64) -> Action {
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || crate::history::read(&path)).await
    };
    let result = read
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
        .map_err(|e| ReadFailure {
            path,
            error: e.to_string(),
        });
    Action::HistoryLoaded { gen_id, result }
}

/// Client retries become "throttled, retrying" in the status line.
fn forward_events(client: &Client, actions: mpsc::UnboundedSender<Action>) {
    let mut events = client.events();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ClientEvent::Retrying {
                    operation,
                    attempt,
                    error,
                    ..
                }) => {
                    let a = Action::Retrying {
                        operation: operation.name().to_string(),
                        attempt,
                        throttled: error.is_throttling(),
                    };
                    if actions.send(a).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    });
}

/// A change for many users, its cancel token kept while it runs.
fn run_job(
    job: ChangeJob,
    client: Client,
    concurrency: usize,
    audit: &Audit,
    cancels: &Cancels,
    actions: &mpsc::UnboundedSender<Action>,
) -> impl Future<Output = ()> + Send + 'static {
    let token = CancellationToken::new();
    if let Ok(mut map) = cancels.lock() {
        map.insert(job.batch_id, token.clone());
    }
    let (actions, audit, cancels) = (actions.clone(), audit.clone(), cancels.clone());
    async move {
        let batch_id = job.batch_id;
        let done = job.run(&client, token, concurrency, &audit, &actions).await;
        if let Ok(mut map) = cancels.lock() {
            map.remove(&batch_id);
        }
        let _ = actions.send(done);
    }
}

/// Writes an export (0600; an existing file only with `overwrite`).
async fn write_file(
    path: std::path::PathBuf,
    contents: crate::model::Sensitive,
    (what, note): (String, String),
    overwrite: bool,
    actions: mpsc::UnboundedSender<Action>,
) {
    let shown = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    let write = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut f = if overwrite {
                crate::private_file::create(&path)?
            } else {
                crate::private_file::create_new(&path)?
            };
            f.write_all(contents.expose().as_bytes())
        })
    };
    let result = write
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WriteFailure::Exists
            } else {
                WriteFailure::Io(e.to_string())
            }
        });
    let _ = actions.send(Action::Exported {
        path: shown,
        what,
        note,
        result,
    });
}

/// `:profile NAME`: the client rebuilt with this profile (flags and config
/// keep their endpoint and region); the old one stays if it cannot be built.
async fn switch_profile(
    conn: Option<&crate::cli::ConnArgs>,
    profile: &str,
    client: &mut Result<Client, ApiError>,
    audit: &mut Audit,
    actions: &mpsc::UnboundedSender<Action>,
) -> Result<String, ProfileFailure> {
    let Some(conn) = conn else {
        return Err(ProfileFailure::Demo);
    };
    let conn = crate::cli::ConnArgs {
        profile: Some(profile.to_string()),
        ..conn.clone()
    };
    let c = Client::from_conn(&conn)
        .await
        .map_err(ProfileFailure::Client)?;
    let endpoint = c.endpoint().to_string();
    audit.endpoint = endpoint.clone();
    audit.profile = Some(profile.to_string());
    forward_events(&c, actions.clone());
    *client = Ok(c);
    Ok(endpoint)
}

async fn accounts_page(
    operation: &'static str,
    client: Client,
    gen_id: u64,
    token: Option<String>,
    page: u32,
) -> Action {
    match client
        .list_accounts(None, None, token.as_deref(), Some(page))
        .await
    {
        Ok(r) => Action::AccountsPage {
            gen_id,
            accounts: r.accounts,
            next_token: r.next_token,
        },
        Err(e) => failed(operation, gen_id, &e),
    }
}

async fn users_page(
    operation: &'static str,
    client: Client,
    account_id: String,
    gen_id: u64,
    token: Option<String>,
    page: u32,
) -> Action {
    let q = ListUsersQuery::default();
    match client
        .list_users(&account_id, &q, token.as_deref(), Some(page))
        .await
    {
        Ok(r) => Action::UsersPage {
            gen_id,
            account_id,
            users: r.users,
            next_token: r.next_token,
        },
        Err(e) => failed(operation, gen_id, &e),
    }
}

async fn user_by_email(
    operation: &'static str,
    client: Client,
    account_id: String,
    gen_id: u64,
    email: crate::model::Sensitive,
) -> Action {
    let q = ListUsersQuery {
        user_email: Some(email.clone()),
        user_type: None,
    };
    match client.list_users(&account_id, &q, None, None).await {
        Ok(r) => Action::UsersFound {
            gen_id,
            account_id,
            email,
            users: r.users,
        },
        Err(e) => failed(operation, gen_id, &e),
    }
}

/// The settings form's values for its target.
async fn settings(
    operation: &'static str,
    client: Client,
    gen_id: u64,
    target: SettingsTarget,
) -> Action {
    let read = match &target {
        SettingsTarget::Account { account_id, .. } => client
            .get_account_settings(account_id)
            .await
            .map(Settings::Account),
        SettingsTarget::User {
            account_id,
            user_id,
            ..
        } => client
            .get_user_settings(account_id, user_id)
            .await
            .map(Settings::User),
    };
    match read {
        Ok(settings) => Action::SettingsLoaded { gen_id, settings },
        Err(e) => failed(operation, gen_id, &e),
    }
}

async fn admin(
    operation: &'static str,
    client: Client,
    gen_id: u64,
    op: AdminOp,
    audit: Audit,
) -> Action {
    let about_accounts = op.about_accounts();
    match super::jobs::run_admin(&client, op, &audit).await {
        Ok(outcome) => Action::AdminDone {
            gen_id,
            outcome,
            about_accounts,
        },
        Err(e) => failed(operation, gen_id, &e),
    }
}

/// Reads the selected users fresh and plans the change for them.
async fn plan(
    client: Client,
    gen_id: u64,
    account_id: String,
    change: crate::plan::Change,
    user_ids: Vec<String>,
) -> Action {
    let operation = crate::plan::read_operation(&user_ids);
    let selection = crate::plan::Selection::Ids(user_ids);
    let result = match crate::plan::make(&client, &account_id, change, selection).await {
        Ok(plan) => Ok(Box::new(plan)),
        Err(crate::plan::PlanError::Api(e)) => {
            tracing::warn!(%operation, error = %e.short(), "reading the users to plan failed");
            Err(PlanFailure::Read {
                operation,
                error: e,
            })
        }
        Err(crate::plan::PlanError::Refused(why)) => Err(PlanFailure::Refused(why)),
    };
    Action::Planned { gen_id, result }
}

/// A plan to preview from a plan file, a desired-state CSV or an undo: a
/// saved plan is checked against the users as they are now (drift).
async fn plan_from(client: Client, gen_id: u64, source: super::effect::PlanSource) -> Action {
    use super::effect::PlanSource;
    let api = |error: ApiError| PlanFailure::Read {
        operation: Operation::ListUsers,
        error,
    };
    let rechecked = |e: crate::plan::PlanError, refused: fn(String) -> PlanFailure| match e {
        crate::plan::PlanError::Refused(why) => refused(why),
        crate::plan::PlanError::Api(e) => api(e),
    };
    let result = match source {
        PlanSource::File(path) => {
            let read =
                tokio::task::spawn_blocking(move || crate::plan::file::SavedPlan::read(&path))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
            match read {
                Err(e) => Err(PlanFailure::File(e)),
                Ok((saved, _))
                    if saved.endpoint.trim_end_matches('/')
                        != client.endpoint().trim_end_matches('/') =>
                {
                    Err(PlanFailure::OtherEndpoint {
                        made_for: saved.endpoint,
                        here: client.endpoint().to_string(),
                    })
                }
                Ok((saved, digest)) => crate::plan::recheck(&client, &saved, Some(digest))
                    .await
                    .map_err(|e| rechecked(e, PlanFailure::FileRefused)),
            }
        }
        PlanSource::Saved(saved) => crate::plan::recheck(&client, &saved, None)
            .await
            .map_err(|e| rechecked(e, PlanFailure::UndoRefused)),
        PlanSource::Import { account_id, path } => plan_import(&client, &account_id, path).await,
    };
    Action::Planned {
        gen_id,
        result: result.map(Box::new),
    }
}

/// The plan of a desired-state CSV (`:import FILE`) for this account.
async fn plan_import(
    client: &Client,
    account_id: &str,
    path: std::path::PathBuf,
) -> Result<crate::plan::Plan, PlanFailure> {
    let shown = path.display().to_string();
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
    };
    let rows = read
        .map_err(|e| e.to_string())
        .and_then(|text| crate::plan::desired::parse(&text).map_err(|e| e.to_string()))
        .map_err(|why| PlanFailure::Import {
            path: path.clone(),
            why,
        })?;
    match crate::plan::make_desired(client, account_id, &rows, None).await {
        Ok(mut plan) => {
            plan.origin.made_from = Some(format!("file {shown}"));
            Ok(plan)
        }
        Err(crate::plan::PlanError::Refused(why)) => Err(PlanFailure::ImportRefused(why)),
        Err(crate::plan::PlanError::Api(error)) => Err(PlanFailure::Read {
            operation: Operation::ListUsers,
            error,
        }),
    }
}

/// Re-reads users after a change through the client's retries (throttling
/// slows it, never drops it): GetUser each for a few, the account's
/// ListUsers pages (200 a call) for many. Every id is answered: read, or
/// among `failed` with why, so the console marks it "not re-read".
async fn refresh(
    client: Client,
    account_id: String,
    gen_id: u64,
    user_ids: Vec<String>,
    actions: mpsc::UnboundedSender<Action>,
) {
    let (users, failed, error) = reread(&client, &account_id, user_ids).await;
    match &error {
        Some(RereadFailure::Api { operation, error }) => tracing::warn!(
            failed = failed.len(),
            operation = operation.name(),
            error = %error.short(),
            request_id = error.request_id.as_deref().unwrap_or("-"),
            "re-reading changed users failed"
        ),
        Some(RereadFailure::NotListed) => tracing::warn!(
            failed = failed.len(),
            "re-reading changed users: not in the account's listing"
        ),
        None => {}
    }
    let _ = actions.send(Action::UsersRefreshed {
        gen_id,
        account_id,
        users,
        failed,
        error,
    });
}

/// The users with `ids` as the service holds them now, the ids not read,
/// and why (the last failure).
async fn reread(
    client: &Client,
    account_id: &str,
    ids: Vec<String>,
) -> (Vec<User>, Vec<String>, Option<RereadFailure>) {
    let wanted: std::collections::HashSet<String> = ids.into_iter().collect();
    if wanted.len() > crate::plan::READ_BY_GET {
        let query = ListUsersQuery::default();
        return match crate::plan::list_users(client, account_id, &query).await {
            Ok(mut users) => {
                users.retain(|u| wanted.contains(&u.user_id));
                let read: std::collections::HashSet<&str> =
                    users.iter().map(|u| u.user_id.as_str()).collect();
                let gone: Vec<String> = wanted
                    .iter()
                    .filter(|id| !read.contains(id.as_str()))
                    .cloned()
                    .collect();
                let why = (!gone.is_empty()).then_some(RereadFailure::NotListed);
                (users, gone, why)
            }
            Err(e) => (
                Vec::new(),
                wanted.into_iter().collect(),
                Some(RereadFailure::Api {
                    operation: Operation::ListUsers,
                    error: e,
                }),
            ),
        };
    }
    let results: Vec<(String, Result<User, ApiError>)> = futures::stream::iter(wanted)
        .map(|id| async move {
            let r = client.get_user(account_id, &id).await;
            (id, r)
        })
        .buffer_unordered(crate::client::batch::INITIAL_CONCURRENCY)
        .collect()
        .await;
    let (mut users, mut failed, mut why) = (Vec::new(), Vec::new(), None);
    for (id, r) in results {
        match r {
            Ok(u) => users.push(u),
            Err(e) => {
                why = Some(RereadFailure::Api {
                    operation: Operation::GetUser,
                    error: e,
                });
                failed.push(id);
            }
        }
    }
    (users, failed, why)
}

fn refused(req: &Request) -> Action {
    Action::Failed {
        gen_id: req.generation(),
        operation: req.operation().to_string(),
        error: Failure::ReadOnly,
    }
}

fn failed(operation: &str, gen_id: u64, e: &ApiError) -> Action {
    tracing::warn!(
        operation,
        error = %e.short(),
        request_id = e.request_id.as_deref().unwrap_or("-"),
        status = e.status.unwrap_or(0),
        "call failed"
    );
    Action::Failed {
        gen_id,
        operation: operation.to_string(),
        error: Failure::Api(e.clone()),
    }
}
