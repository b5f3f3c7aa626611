//! Paging: streams over ListUsers and ListAccounts that follow `NextToken`,
//! stop when a token comes back a second time (a service bug would otherwise
//! loop for ever), and end early when dropped or when a cancel token fires
//! (then the last item is `Err(Cancelled)`).

use std::collections::HashSet;

use futures::Stream;
use tokio_util::sync::CancellationToken;

use super::{ApiError, Client, ListUsersQuery};
use crate::model::{ListAccountsResponse, ListUsersResponse};

/// What the pager needs from one page.
trait Page {
    fn next_token(&self) -> Option<&str>;
}

impl Page for ListUsersResponse {
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
}

impl Page for ListAccountsResponse {
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
}

struct PagerState<F> {
    fetch: F,
    next: Option<Option<String>>,
    seen: HashSet<String>,
    cancel: CancellationToken,
}

/// The general pager: `fetch(token)` gets one page.
fn pages<P, F, Fut>(fetch: F, cancel: CancellationToken) -> impl Stream<Item = Result<P, ApiError>>
where
    P: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<P, ApiError>>,
{
    let state = PagerState {
        fetch,
        next: Some(None),
        seen: HashSet::new(),
        cancel,
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
            Ok(page) => {
                s.next = match page.next_token() {
                    Some(t) if !t.is_empty() => {
                        if s.seen.insert(t.to_string()) {
                            Some(Some(t.to_string()))
                        } else {
                            tracing::warn!("NextToken repeated: stopping");
                            None
                        }
                    }
                    _ => None,
                };
                Some((Ok(page), s))
            }
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
