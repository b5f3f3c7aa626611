//! Paging: streams over ListUsers and ListAccounts that follow `NextToken`
//! and end early when dropped or when a cancel token fires (then the last
//! item is `Err(Cancelled)`). A service that pages wrongly ends the listing
//! with an error, never with a silently short or endless list: a token that
//! comes back a second time, [`MAX_EMPTY_PAGES`] empty pages in a row that
//! still carry a token, or more items than the client's listing limit
//! ([`Client::with_list_limit`]).

use std::collections::HashSet;

use futures::Stream;
use tokio_util::sync::CancellationToken;

use super::{ApiError, ApiErrorKind, Client, ListUsersQuery};
use crate::model::{ListAccountsResponse, ListUsersResponse, Operation};

/// Empty pages in a row that still carry a token before the listing stops.
pub const MAX_EMPTY_PAGES: usize = 10;

/// What the pager needs from one page.
trait Page {
    fn next_token(&self) -> Option<&str>;
    fn len(&self) -> usize;
}

impl Page for ListUsersResponse {
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
    fn len(&self) -> usize {
        self.users.len()
    }
}

impl Page for ListAccountsResponse {
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
    fn len(&self) -> usize {
        self.accounts.len()
    }
}

struct PagerState<F> {
    fetch: F,
    next: Option<Option<String>>,
    cancel: CancellationToken,
    guard: PageGuard,
}

/// The checks a listing makes on every page: a token seen before, a run of
/// [`MAX_EMPTY_PAGES`] empty pages that still carry a token, or more items
/// than `limit` stop it with an [`ApiErrorKind::Paging`] error. The pager
/// streams use it; so does the console, which asks for its pages itself.
#[derive(Debug, Clone)]
pub struct PageGuard {
    op: Operation,
    seen: HashSet<String>,
    pages: usize,
    items: usize,
    empty_run: usize,
    limit: usize,
}

impl PageGuard {
    pub fn new(op: Operation, limit: usize) -> Self {
        PageGuard {
            op,
            seen: HashSet::new(),
            pages: 0,
            items: 0,
            empty_run: 0,
            limit,
        }
    }

    /// Takes in one page of `len` items that ended with `next_token`: the
    /// token to ask for next (None: the listing is complete), or why the
    /// listing cannot go on.
    pub fn follow(
        &mut self,
        next_token: Option<&str>,
        len: usize,
    ) -> Result<Option<String>, ApiError> {
        self.pages += 1;
        self.items += len;
        let (op, n, items) = (self.op, self.pages, self.items);
        let what = if op == Operation::ListAccounts {
            "accounts"
        } else {
            "users"
        };
        let bad = |why: String| {
            tracing::warn!(operation = op.name(), pages = n, items, "{why}");
            ApiError::new(
                ApiErrorKind::Paging,
                format!(
                    "{op}: {why} (page {n}, {items} {what} so far): the list would be incomplete, stopping"
                ),
            )
        };
        if self.items > self.limit {
            let raise = if op == Operation::ListUsers {
                " (raise it with --max-users)"
            } else {
                ""
            };
            return Err(ApiError::new(
                ApiErrorKind::Paging,
                format!(
                    "{op}: more than {} {what}, the listing limit{raise}",
                    self.limit
                ),
            ));
        }
        let token = match next_token {
            Some(t) if !t.is_empty() => t,
            _ => return Ok(None),
        };
        if !self.seen.insert(token.to_string()) {
            return Err(bad("the service sent a NextToken it had sent before".into()));
        }
        if len == 0 {
            self.empty_run += 1;
            if self.empty_run >= MAX_EMPTY_PAGES {
                return Err(bad(format!(
                    "{MAX_EMPTY_PAGES} empty pages in a row, each with a new NextToken"
                )));
            }
        } else {
            self.empty_run = 0;
        }
        Ok(Some(token.to_string()))
    }
}

/// The general pager: `fetch(token)` gets one page of `op`.
fn pages<P, F, Fut>(
    op: Operation,
    limit: usize,
    fetch: F,
    cancel: CancellationToken,
) -> impl Stream<Item = Result<P, ApiError>>
where
    P: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<P, ApiError>>,
{
    let state = PagerState {
        fetch,
        next: Some(None),
        cancel,
        guard: PageGuard::new(op, limit),
    };
    futures::stream::unfold(state, |mut s| async move {
        let token = s.next.take()?;
        if s.cancel.is_cancelled() {
            return Some((Err(ApiError::cancelled()), s));
        }
        let page = tokio::select! {
            page = (s.fetch)(token) => page,
            _ = s.cancel.cancelled() => return Some((Err(ApiError::cancelled()), s)),
        };
        match page {
            Ok(page) => match s.guard.follow(page.next_token(), page.len()) {
                Ok(next) => {
                    s.next = next.map(Some);
                    Some((Ok(page), s))
                }
                // The stream ends after the error (`next` is None).
                Err(e) => Some((Err(e), s)),
            },
            Err(e) => Some((Err(e), s)),
        }
    })
}

impl Client {
    /// Every page of ListUsers with these filters. `max_results` is the page
    /// size (1..=200; None: the service's default of 100).
    pub fn users_pages(
        &self,
        account_id: &str,
        q: &ListUsersQuery,
        max_results: Option<u32>,
        cancel: Option<CancellationToken>,
    ) -> impl Stream<Item = Result<ListUsersResponse, ApiError>> + Send + 'static {
        let client = self.clone();
        let account_id = account_id.to_string();
        let q = q.clone();
        pages(
            Operation::ListUsers,
            self.list_limit(),
            move |token: Option<String>| {
                let (client, account_id, q) = (client.clone(), account_id.clone(), q.clone());
                async move {
                    client
                        .list_users(&account_id, &q, token.as_deref(), max_results)
                        .await
                }
            },
            cancel.unwrap_or_default(),
        )
    }

    /// Every page of ListAccounts with these filters.
    pub fn accounts_pages(
        &self,
        name: Option<&str>,
        user_email: Option<&str>,
        max_results: Option<u32>,
        cancel: Option<CancellationToken>,
    ) -> impl Stream<Item = Result<ListAccountsResponse, ApiError>> + Send + 'static {
        let client = self.clone();
        let name = name.map(str::to_string);
        let email = user_email.map(str::to_string);
        pages(
            Operation::ListAccounts,
            self.list_limit(),
            move |token: Option<String>| {
                let (client, name, email) = (client.clone(), name.clone(), email.clone());
                async move {
                    client
                        .list_accounts(
                            name.as_deref(),
                            email.as_deref(),
                            token.as_deref(),
                            max_results,
                        )
                        .await
                }
            },
            cancel.unwrap_or_default(),
        )
    }
}
