//! The worker's answers in the console's words: its domain results (a
//! failure, a plan refused, what an admin operation did, an export written)
//! become the error dialogs and messages the screen shows. Pure.

use std::path::Path;

use crate::console::action::{
    AdminOutcome, Failure, PlanFailure, ProfileFailure, ReadFailure, RereadFailure, WriteFailure,
};
use crate::console::state::ErrorInfo;

/// A failed request as the error dialog shows it, with what to do.
pub fn error_of(operation: &str, failure: &Failure) -> ErrorInfo {
    match failure {
        Failure::Api(e) => ErrorInfo::of(operation, e),
        Failure::ReadOnly => ErrorInfo {
            operation: operation.to_string(),
            code: "ReadOnly".into(),
            message: "the console is in read-only mode: nothing was sent".into(),
            request_id: None,
            hint: Some("start it without --read-only to make changes".into()),
        },
    }
}

/// Why no plan was made, as the error dialog shows it.
pub fn plan_error(failure: PlanFailure) -> ErrorInfo {
    let refused = |message: String, hint: &str| ErrorInfo {
        operation: "plan".into(),
        code: "Refused".into(),
        message,
        request_id: None,
        hint: Some(hint.into()),
    };
    match failure {
        PlanFailure::Read { operation, error } => ErrorInfo::of(operation.name(), &error),
        PlanFailure::Refused(why) => refused(why, "pick a value the account supports"),
        PlanFailure::File(why) => refused(
            why,
            "a file written by plan --out, undo --out or s in a preview",
        ),
        PlanFailure::FileRefused(why) => refused(why, "fix the plan file or make it again"),
        PlanFailure::UndoRefused(why) => refused(why, "the change cannot be undone as recorded"),
        PlanFailure::OtherEndpoint { made_for, here } => refused(
            format!("the plan was made for {made_for}, not {here}: nothing is sent"),
            "open it in a console on that endpoint",
        ),
        PlanFailure::Import { path, why } => refused(
            format!("{}: {why}", path.display()),
            "columns: UserId or PrimaryEmail, and LicenseType, UserType, AlexaForBusinessEnabled or AlexaForBusinessRoomArn",
        ),
        PlanFailure::ImportRefused(why) => refused(why, "fix the file and import it again"),
    }
}

/// What an admin operation did, for the status line.
pub fn admin_done(outcome: &AdminOutcome) -> String {
    match outcome {
        AdminOutcome::AccountCreated { name } => format!("account {name} created"),
        AdminOutcome::AccountUpdated {
            name,
            renamed,
            default_license,
        } => match (renamed, default_license) {
            (Some(n), _) => format!("account {name}: renamed to {n}"),
            (_, Some(l)) => format!("account {name}: default license {l}"),
            _ => format!("account {name}: updated"),
        },
        AdminOutcome::AccountDeleted => "account deleted".into(),
        AdminOutcome::UserCreated { email } => format!("user created: {}", email.expose()),
        AdminOutcome::GroupsAdded(groups) => format!("groups added: {}", groups.join(", ")),
        AdminOutcome::GroupsRemoved(groups) => format!("groups removed: {}", groups.join(", ")),
        AdminOutcome::AccountSettingsSaved => "account settings saved".into(),
        AdminOutcome::UserSettingsSaved => "telephony settings saved".into(),
        AdminOutcome::Invited {
            invited,
            refused: 0,
        } => format!("{invited} invited"),
        AdminOutcome::Invited { invited, refused } => {
            format!("✗ {invited} invited · {refused} refused by the service")
        }
    }
}

/// An export written ("wrote 12 users to /tmp/x.csv") or not.
pub fn exported(path: &Path, what: &str, note: &str, result: &Result<(), WriteFailure>) -> String {
    let shown = path.display();
    match result {
        Ok(()) => format!("wrote {what} to {shown}{note}"),
        Err(WriteFailure::Exists) => format!("✗ {shown} exists: :export! … replaces it"),
        Err(WriteFailure::Io(e)) => format!("✗ export to {shown} failed: {e}"),
    }
}

/// Why `:profile NAME` kept the old client.
pub fn profile_failed(profile: &str, failure: &ProfileFailure) -> String {
    match failure {
        ProfileFailure::Demo => {
            format!("✗ profile {profile}: the demo uses its own credentials: no profiles")
        }
        ProfileFailure::Client(e) => format!("✗ profile {profile}: {e}"),
    }
}

/// "GetUser: ThrottledClientException (request id …)": why changed users
/// were not re-read, the request id whole.
pub fn reread_failed(failure: &RereadFailure) -> String {
    match failure {
        RereadFailure::Api { operation, error } => match &error.request_id {
            Some(id) => format!("{operation}: {} (request id {id})", error.short()),
            None => format!("{operation}: {}", error.short()),
        },
        RereadFailure::NotListed => "not in the account's listing".into(),
    }
}

/// Why the history is not shown.
pub fn history_failed(failure: &ReadFailure) -> String {
    format!(
        "✗ cannot read the audit log {}: {}",
        failure.path.display(),
        failure.error
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ApiError, ApiErrorKind};
    use crate::model::License;

    #[test]
    fn admin_outcomes_read_as_the_status_line_says_them() {
        let said = |o: AdminOutcome| admin_done(&o);
        assert_eq!(
            said(AdminOutcome::AccountUpdated {
                name: "Ops".into(),
                renamed: None,
                default_license: Some(License::Basic),
            }),
            "account Ops: default license Basic"
        );
        assert_eq!(
            said(AdminOutcome::UserCreated {
                email: "a@example.com".into()
            }),
            "user created: a@example.com"
        );
        assert_eq!(
            said(AdminOutcome::Invited {
                invited: 3,
                refused: 0
            }),
            "3 invited"
        );
        assert_eq!(
            said(AdminOutcome::Invited {
                invited: 2,
                refused: 1
            }),
            "✗ 2 invited · 1 refused by the service"
        );
        assert_eq!(
            said(AdminOutcome::GroupsRemoved(vec!["a".into(), "b".into()])),
            "groups removed: a, b"
        );
    }

    #[test]
    fn failures_keep_their_operation_code_and_a_hint() {
        let e = error_of("UpdateUserSettings", &Failure::ReadOnly);
        assert_eq!(
            (e.operation.as_str(), e.code.as_str()),
            ("UpdateUserSettings", "ReadOnly")
        );
        assert!(e.hint.is_some_and(|h| h.contains("--read-only")));
        let e = plan_error(PlanFailure::OtherEndpoint {
            made_for: "https://a".into(),
            here: "https://b".into(),
        });
        assert_eq!(
            e.message,
            "the plan was made for https://a, not https://b: nothing is sent"
        );
        let e = plan_error(PlanFailure::UndoRefused(
            "ProTrial is not a license of it".into(),
        ));
        assert_eq!(
            (e.code.as_str(), e.hint.as_deref()),
            ("Refused", Some("the change cannot be undone as recorded"))
        );
        let e = plan_error(PlanFailure::Import {
            path: "/tmp/want.csv".into(),
            why: "line 2: no UserId".into(),
        });
        assert_eq!(e.message, "/tmp/want.csv: line 2: no UserId");
        let mut api = ApiError::new(ApiErrorKind::Timeout, "no answer");
        api.request_id = Some("req-9".into());
        let e = plan_error(PlanFailure::Read {
            operation: crate::model::Operation::GetUser,
            error: api.clone(),
        });
        assert_eq!(e, ErrorInfo::of("GetUser", &api));
        assert_eq!(
            reread_failed(&RereadFailure::Api {
                operation: crate::model::Operation::GetUser,
                error: api,
            }),
            "GetUser: Timeout (request id req-9)"
        );
    }

    #[test]
    fn files_and_profiles_are_named_in_the_message() {
        let path = Path::new("/tmp/users.csv");
        assert_eq!(
            exported(path, "12 users", "", &Ok(())),
            "wrote 12 users to /tmp/users.csv"
        );
        assert_eq!(
            exported(path, "12 users", "", &Err(WriteFailure::Exists)),
            "✗ /tmp/users.csv exists: :export! … replaces it"
        );
        assert_eq!(
            profile_failed("ops", &ProfileFailure::Demo),
            "✗ profile ops: the demo uses its own credentials: no profiles"
        );
        assert_eq!(
            history_failed(&ReadFailure {
                path: "/tmp/audit.jsonl".into(),
                error: "permission denied".into(),
            }),
            "✗ cannot read the audit log /tmp/audit.jsonl: permission denied"
        );
    }
}
