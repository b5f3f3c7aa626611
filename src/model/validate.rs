//! Limits and patterns from AWS's model, shared by the service (which enforces
//! them) and the client and console (which check before sending).

/// `ProfileServiceMaxResults`: 1..=200.
pub const MAX_RESULTS_MIN: i64 = 1;
pub const MAX_RESULTS_MAX: i64 = 200;
/// The page every list this program reads asks for: the largest allowed.
pub const PAGE_SIZE: u32 = MAX_RESULTS_MAX as u32;
/// What ListUsers / ListAccounts return when MaxResults is absent.
pub const MAX_RESULTS_DEFAULT: usize = 100;
/// `UpdateUserRequestItemList` max.
pub const MAX_UPDATE_ITEMS: usize = 20;
/// `UserIdList` and `UserEmailList` max.
pub const MAX_ID_LIST: usize = 50;
/// `AccountName` length.
pub const ACCOUNT_NAME_MIN: usize = 1;
pub const ACCOUNT_NAME_MAX: usize = 100;

/// `.*\S.*` (unanchored, `.` not matching newline): some line holds a non-space.
pub fn is_non_empty(s: &str) -> bool {
    s.split('\n')
        .any(|line| line.chars().any(|c| !c.is_whitespace()))
}

/// `.+@.+\..+` (unanchored, `.` not matching newline): some line holds
/// text, `@`, text, `.`, text.
pub fn is_email(s: &str) -> bool {
    s.split('\n').any(|line| {
        line.char_indices().any(|(i, c)| {
            if c != '@' || i == 0 {
                return false;
            }
            let rest = &line[i + 1..];
            // a '.' that has at least one char before it (after '@') and one after it
            rest.char_indices()
                .any(|(j, d)| d == '.' && j > 0 && j + 1 < rest.len())
        })
    })
}

/// `AccountName`: 1..=100 characters and pattern `.*\S.*`.
pub fn account_name_problem(name: &str) -> Option<String> {
    let n = name.chars().count();
    if !(ACCOUNT_NAME_MIN..=ACCOUNT_NAME_MAX).contains(&n) {
        return Some(format!(
            "Name must be {ACCOUNT_NAME_MIN} to {ACCOUNT_NAME_MAX} characters, got {n}"
        ));
    }
    if !is_non_empty(name) {
        return Some("Name must contain a non-space character".into());
    }
    None
}

/// An ARN as AWS writes it: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`,
/// partition and service non-empty, resource non-empty. Returns why not.
pub fn arn_problem(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() < 6 {
        return Some(
            "an ARN has six ':'-separated parts: arn:partition:service:region:account:resource"
                .into(),
        );
    }
    if parts[0] != "arn" {
        return Some("an ARN starts with \"arn:\"".into());
    }
    if !matches!(
        parts[1],
        "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
    ) {
        return Some(format!("unknown partition {:?}", parts[1]));
    }
    if parts[2].is_empty()
        || !parts[2]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("the service part must be lowercase letters, digits or '-'".into());
    }
    if !parts[3].is_empty()
        && !parts[3]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("the region part must be lowercase letters, digits or '-'".into());
    }
    let account_ok = parts[4].is_empty()
        || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit()));
    if !account_ok {
        return Some("the account part must be 12 digits".into());
    }
    if parts[5].is_empty()
        || parts[5]
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Some("the resource part must be non-empty, without spaces".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_pattern_as_the_model_has_it() {
        assert!(is_email("a@b.co"));
        assert!(is_email("first.last@example.com"));
        assert!(!is_email("not-an-email"));
        assert!(!is_email("@b.co"));
        assert!(!is_email("a@.co"));
        assert!(!is_email("a@b."));
        assert!(!is_email("a@b\n.co"));
    }

    #[test]
    fn names_and_ids() {
        assert!(is_non_empty(" x "));
        assert!(!is_non_empty("   "));
        assert!(!is_non_empty(""));
        assert!(account_name_problem(&"x".repeat(101)).is_some());
        assert!(account_name_problem(&"x".repeat(100)).is_none());
        assert!(account_name_problem("").is_some());
    }

    #[test]
    fn arns() {
        assert_eq!(
            arn_problem("arn:aws:a4b:us-east-1:123456789012:room/abc"),
            None
        );
        assert!(arn_problem("arn:aws:a4b").is_some());
        assert!(arn_problem("room/abc").is_some());
        assert!(arn_problem("arn:aws:a4b:us-east-1:12:room/abc").is_some());
        assert!(arn_problem("arn:aws:a4b:us-east-1:123456789012:").is_some());
    }
}
