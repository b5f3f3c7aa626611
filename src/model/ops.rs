//! The 21 operations: name, method, path template, `operation=` query value,
//! success status, and whether they change anything. One table, used by the
//! client to build requests and by the service to route them.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    ListAccounts,
    GetAccount,
    CreateAccount,
    UpdateAccount,
    DeleteAccount,
    GetAccountSettings,
    UpdateAccountSettings,
    AssociateSigninDelegateGroupsWithAccount,
    DisassociateSigninDelegateGroupsFromAccount,
    ListUsers,
    GetUser,
    CreateUser,
    InviteUsers,
    UpdateUser,
    BatchUpdateUser,
    BatchSuspendUser,
    BatchUnsuspendUser,
    ResetPersonalPIN,
    LogoutUser,
    GetUserSettings,
    UpdateUserSettings,
}

/// The route of one operation on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// Path segments after the leading `/`; `{accountId}` and `{userId}` are placeholders.
    pub path: &'static str,
    /// The `operation=` query value, if the route has one.
    pub operation_query: Option<&'static str>,
    pub success_status: u16,
}

impl Operation {
    pub const ALL: [Operation; 21] = [
        Operation::ListAccounts,
        Operation::GetAccount,
        Operation::CreateAccount,
        Operation::UpdateAccount,
        Operation::DeleteAccount,
        Operation::GetAccountSettings,
        Operation::UpdateAccountSettings,
        Operation::AssociateSigninDelegateGroupsWithAccount,
        Operation::DisassociateSigninDelegateGroupsFromAccount,
        Operation::ListUsers,
        Operation::GetUser,
        Operation::CreateUser,
        Operation::InviteUsers,
        Operation::UpdateUser,
        Operation::BatchUpdateUser,
        Operation::BatchSuspendUser,
        Operation::BatchUnsuspendUser,
        Operation::ResetPersonalPIN,
        Operation::LogoutUser,
        Operation::GetUserSettings,
        Operation::UpdateUserSettings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::ListAccounts => "ListAccounts",
            Operation::GetAccount => "GetAccount",
            Operation::CreateAccount => "CreateAccount",
            Operation::UpdateAccount => "UpdateAccount",
            Operation::DeleteAccount => "DeleteAccount",
            Operation::GetAccountSettings => "GetAccountSettings",
            Operation::UpdateAccountSettings => "UpdateAccountSettings",
            Operation::AssociateSigninDelegateGroupsWithAccount => {
                "AssociateSigninDelegateGroupsWithAccount"
            }
            Operation::DisassociateSigninDelegateGroupsFromAccount => {
                "DisassociateSigninDelegateGroupsFromAccount"
            }
            Operation::ListUsers => "ListUsers",
            Operation::GetUser => "GetUser",
            Operation::CreateUser => "CreateUser",
            Operation::InviteUsers => "InviteUsers",
            Operation::UpdateUser => "UpdateUser",
            Operation::BatchUpdateUser => "BatchUpdateUser",
            Operation::BatchSuspendUser => "BatchSuspendUser",
            Operation::BatchUnsuspendUser => "BatchUnsuspendUser",
            Operation::ResetPersonalPIN => "ResetPersonalPIN",
            Operation::LogoutUser => "LogoutUser",
            Operation::GetUserSettings => "GetUserSettings",
            Operation::UpdateUserSettings => "UpdateUserSettings",
        }
    }

    pub fn route(self) -> Route {
        let r = |method, path, operation_query, success_status| Route {
            method,
            path,
            operation_query,
            success_status,
        };
        match self {
            Operation::ListAccounts => r("GET", "accounts", None, 200),
            Operation::GetAccount => r("GET", "accounts/{accountId}", None, 200),
            Operation::CreateAccount => r("POST", "accounts", None, 201),
            Operation::UpdateAccount => r("POST", "accounts/{accountId}", None, 200),
            Operation::DeleteAccount => r("DELETE", "accounts/{accountId}", None, 204),
            Operation::GetAccountSettings => r("GET", "accounts/{accountId}/settings", None, 200),
            Operation::UpdateAccountSettings => {
                r("PUT", "accounts/{accountId}/settings", None, 204)
            }
            Operation::AssociateSigninDelegateGroupsWithAccount => r(
                "POST",
                "accounts/{accountId}",
                Some("associate-signin-delegate-groups"),
                200,
            ),
            Operation::DisassociateSigninDelegateGroupsFromAccount => r(
                "POST",
                "accounts/{accountId}",
                Some("disassociate-signin-delegate-groups"),
                200,
            ),
            Operation::ListUsers => r("GET", "accounts/{accountId}/users", None, 200),
            Operation::GetUser => r("GET", "accounts/{accountId}/users/{userId}", None, 200),
            Operation::CreateUser => r("POST", "accounts/{accountId}/users", Some("create"), 201),
            Operation::InviteUsers => r("POST", "accounts/{accountId}/users", Some("add"), 201),
            Operation::UpdateUser => r("POST", "accounts/{accountId}/users/{userId}", None, 200),
            Operation::BatchUpdateUser => r("POST", "accounts/{accountId}/users", None, 200),
            Operation::BatchSuspendUser => {
                r("POST", "accounts/{accountId}/users", Some("suspend"), 200)
            }
            Operation::BatchUnsuspendUser => {
                r("POST", "accounts/{accountId}/users", Some("unsuspend"), 200)
            }
            Operation::ResetPersonalPIN => r(
                "POST",
                "accounts/{accountId}/users/{userId}",
                Some("reset-personal-pin"),
                200,
            ),
            Operation::LogoutUser => r(
                "POST",
                "accounts/{accountId}/users/{userId}",
                Some("logout"),
                204,
            ),
            Operation::GetUserSettings => r(
                "GET",
                "accounts/{accountId}/users/{userId}/settings",
                None,
                200,
            ),
            Operation::UpdateUserSettings => r(
                "PUT",
                "accounts/{accountId}/users/{userId}/settings",
                None,
                204,
            ),
        }
    }

    /// List and Get operations: the only ones a read-only key or `--read-only` allows.
    pub fn is_read_only(self) -> bool {
        matches!(self.route().method, "GET")
    }

    /// Sending it twice may do something twice (a client retries these only
    /// where the request certainly never reached the service).
    pub fn is_idempotent(self) -> bool {
        !matches!(
            self,
            Operation::CreateUser
                | Operation::InviteUsers
                | Operation::ResetPersonalPIN
                | Operation::CreateAccount
        )
    }

    /// Finds the operation for a method, the path split into segments (already
    /// percent-decoded) and the `operation=` query value. Returns the
    /// operation and the path's `{accountId}` / `{userId}` values.
    pub fn resolve<'a>(
        method: &str,
        segments: &[&'a str],
        operation_query: Option<&str>,
    ) -> Option<(Operation, Option<&'a str>, Option<&'a str>)> {
        Operation::ALL.iter().copied().find_map(|op| {
            let route = op.route();
            if route.method != method || route.operation_query != operation_query {
                return None;
            }
            let template: Vec<&str> = route.path.split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let (mut account, mut user) = (None, None);
            for (t, s) in template.iter().zip(segments) {
                match *t {
                    "{accountId}" => account = Some(*s),
                    "{userId}" => user = Some(*s),
                    lit if lit == *s => {}
                    _ => return None,
                }
            }
            Some((op, account, user))
        })
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_resolves_to_itself() {
        for op in Operation::ALL {
            let route = op.route();
            let path = route
                .path
                .replace("{accountId}", "acc-1")
                .replace("{userId}", "u-1");
            let segs: Vec<&str> = path.split('/').collect();
            let (found, _, _) =
                Operation::resolve(route.method, &segs, route.operation_query).expect("resolves");
            assert_eq!(found, op);
        }
    }

    #[test]
    fn batch_update_has_no_operation_query() {
        let segs = ["accounts", "a", "users"];
        assert_eq!(
            Operation::resolve("POST", &segs, None).map(|r| r.0),
            Some(Operation::BatchUpdateUser)
        );
        assert_eq!(Operation::resolve("POST", &segs, Some("bogus")), None);
        assert_eq!(Operation::resolve("PATCH", &segs, None), None);
    }
}
