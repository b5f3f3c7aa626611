//! `--filter EXPR` for `users` and `update-users --all`: the console's filter
//! language ([`crate::filter`]) choosing users headless. What the service can
//! filter (`email:` → UserEmail, `type:` → UserType) is asked of it; the rest
//! narrows the listing here, so both paths choose the same users.

use crate::client::ListUsersQuery;
use crate::filter::{self, Filter};
use crate::model::{Sensitive, User, UserType};

/// Why a `--filter` cannot be used headless, as one line.
pub fn parse(expr: &str) -> Result<Filter, String> {
    let f = filter::parse(expr).map_err(|e| format!("--filter: {e}"))?;
    if f.uses_results() {
        return Err(
            "--filter: result: terms need a change's results on screen: they work in the console"
                .into(),
        );
    }
    Ok(f)
}

/// The ListUsers query for a filter, given the flags that also narrow it.
pub fn query(
    f: Option<&Filter>,
    email: Option<String>,
    user_type: Option<UserType>,
) -> ListUsersQuery {
    ListUsersQuery {
        user_email: email
            .or_else(|| f.and_then(|f| f.api_email()).map(String::from))
            .map(Sensitive::from),
        user_type: user_type.or_else(|| f.and_then(|f| f.api_user_type()).cloned()),
    }
}

/// Keeps the users the filter matches (in the service's order).
pub fn narrow(users: &mut Vec<User>, f: Option<&Filter>) {
    if let Some(f) = f.filter(|f| !f.is_empty()) {
        users.retain(|u| f.matches(u, &filter::text_key(u), None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_is_asked_for_email_and_type_and_results_are_refused() {
        let f = parse("email:Ana@Example.com type:shared license:pro").expect("parse");
        let q = query(Some(&f), None, None);
        assert_eq!(
            q.user_email.as_ref().map(|e| e.expose()),
            Some("ana@example.com")
        );
        assert_eq!(q.user_type, Some(UserType::SharedDevice));
        // The flags win over the filter's terms (the filter still narrows).
        let q = query(
            Some(&f),
            Some("b@x.org".into()),
            Some(UserType::PrivateUser),
        );
        assert_eq!(q.user_email.as_ref().map(|e| e.expose()), Some("b@x.org"));
        assert_eq!(q.user_type, Some(UserType::PrivateUser));
        let e = parse("result:failed").expect_err("results");
        assert!(e.contains("console"), "{e}");
        let e = parse("licence:pro").expect_err("typo");
        assert!(e.starts_with("--filter: licence:pro: unknown field"), "{e}");
    }
}
