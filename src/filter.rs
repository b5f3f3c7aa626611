//! The filter language: one way to say which users you mean, in the
//! console's `/` and `:filter`, and in `users --filter` and
//! `update-users --all --filter`.
//!
//! An expression is terms separated by spaces, all of which must hold
//! (case-insensitive):
//!
//! | term | matches |
//! |---|---|
//! | `text` | a fragment of the email or of the display name (`"two words"` quoted) |
//! | `license:pro` | `pro`, `plus`, `basic`, `protrial` |
//! | `type:private` | user type: `private`, `shared` |
//! | `reg:unregistered` | registration: `registered`, `unregistered`, `suspended` |
//! | `invite:pending` | invitation: `pending`, `accepted`, `failed` |
//! | `a4b:yes` | Alexa for Business enabled: `yes`, `no` |
//! | `result:failed` | the last change's outcome on the row: `ok`, `failed`, `unknown`, `not-sent`, `already` (at the values: not sent) |
//! | `email:ana@example.com` | exactly this address (asked of the service with `UserEmail`); `email:a,b` either |
//!
//! `-term` negates a term; `field:a,b` matches either value. A term with an
//! unknown field or value is an error that names what exists (and what a
//! typo was likely meant to be): a filter never silently matches nothing.

use std::fmt;

use crate::model::{InviteStatus, License, RegistrationStatus, User, UserType};

/// The outcome of the last change on a row, as `result:` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Unknown,
    NotSent,
    /// Left out of the sending: at the change's values already.
    Already,
}

/// One condition on a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// A lower-cased fragment of the email or display name.
    Text(String),
    License(Vec<License>),
    Type(Vec<UserType>),
    Reg(Vec<RegistrationStatus>),
    Invite(Vec<InviteStatus>),
    A4b(bool),
    Result(Vec<Outcome>),
    /// Whole addresses (any of them), lower-cased, sorted and without
    /// repeats: a pasted list of thousands is looked up, not scanned.
    Email(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub cond: Cond,
}

/// A parsed expression: every term must hold. The empty filter matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub terms: Vec<Term>,
}

/// Why an expression cannot be read, with the offending term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub term: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.term, self.message)
    }
}

impl std::error::Error for FilterError {}

/// The fields a term can name, for error messages and help.
pub const FIELDS: &str = "license, type, reg, invite, a4b, result, email";

/// Each field's values: (word, value) pairs, lower-case.
const LICENSES: &[(&str, License)] = &[
    ("pro", License::Pro),
    ("plus", License::Plus),
    ("basic", License::Basic),
    ("protrial", License::ProTrial),
];
const TYPES: &[(&str, UserType)] = &[
    ("private", UserType::PrivateUser),
    ("shared", UserType::SharedDevice),
];
const REGS: &[(&str, RegistrationStatus)] = &[
    ("registered", RegistrationStatus::Registered),
    ("unregistered", RegistrationStatus::Unregistered),
    ("suspended", RegistrationStatus::Suspended),
];
const INVITES: &[(&str, InviteStatus)] = &[
    ("pending", InviteStatus::Pending),
    ("accepted", InviteStatus::Accepted),
    ("failed", InviteStatus::Failed),
];
const OUTCOMES: &[(&str, Outcome)] = &[
    ("ok", Outcome::Ok),
    ("failed", Outcome::Failed),
    ("unknown", Outcome::Unknown),
    ("not-sent", Outcome::NotSent),
    ("already", Outcome::Already),
];
const YES_NO: &[(&str, bool)] = &[("yes", true), ("no", false)];

/// The values of a `field:a,b` term, each looked up in `table`.
fn values<T: Clone>(field: &str, raw: &str, table: &[(&str, T)]) -> Result<Vec<T>, String> {
    let names = || table.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", ");
    if raw.is_empty() {
        return Err(format!("{field} needs a value: {}", names()));
    }
    raw.split(',')
        .map(|v| {
            let v = v.to_lowercase();
            table
                .iter()
                .find(|(w, _)| *w == v)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| {
                    let near = crate::text::did_you_mean(&v, table.iter().map(|(w, _)| *w));
                    format!("{near}{field} is one of {}", names())
                })
        })
        .collect()
}

/// Splits on whitespace, keeping `"quoted phrases"` (and `-"negated ones"`)
/// as one word, quotes removed.
fn words(expr: &str) -> Result<Vec<String>, FilterError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in expr.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err(FilterError {
            term: cur,
            message: "a quote is not closed".into(),
        });
    }
    if started {
        out.push(cur);
    }
    Ok(out)
}

fn term(word: &str) -> Result<Term, FilterError> {
    let (negated, body) = match word.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, word),
    };
    let err = |message: String| FilterError {
        term: crate::text::visible(word).into_owned(),
        message,
    };
    let Some((field, value)) = body.split_once(':') else {
        return Ok(Term {
            negated,
            cond: Cond::Text(body.to_lowercase()),
        });
    };
    let field = field.to_lowercase();
    let cond = match field.as_str() {
        "license" | "lic" => Cond::License(values("license", value, LICENSES).map_err(err)?),
        "type" => Cond::Type(values("type", value, TYPES).map_err(err)?),
        "reg" | "registration" => Cond::Reg(values("reg", value, REGS).map_err(err)?),
        "invite" | "invitation" => Cond::Invite(values("invite", value, INVITES).map_err(err)?),
        "a4b" => match values("a4b", value, YES_NO).map_err(err)?.as_slice() {
            [one] => Cond::A4b(*one),
            _ => return Err(err("a4b is yes or no, one of them".into())),
        },
        "result" => Cond::Result(values("result", value, OUTCOMES).map_err(err)?),
        "email" => {
            let mut emails: Vec<String> = value.split(',').map(str::to_lowercase).collect();
            if emails.iter().any(String::is_empty) {
                return Err(err("email needs a whole address (a,b: either)".into()));
            }
            emails.sort_unstable();
            emails.dedup();
            Cond::Email(emails)
        }
        // Not a field we know: an email fragment such as `x:y` is unlikely,
        // a typo of a field is likely. Say which fields exist.
        _ => {
            let near = crate::text::did_you_mean(&field, FIELDS.split(", "));
            return Err(err(format!(
                "unknown field {:?}: {near}fields are {FIELDS}",
                crate::text::visible(&field)
            )));
        }
    };
    Ok(Term { negated, cond })
}

/// `expr` without its last word while that word is the start of a field
/// name still being typed (`lic`, `reg`, `-inv`): as a fragment it would hide
/// every row for a moment before the `:` makes it a term.
pub fn without_partial_field(expr: &str) -> &str {
    const NAMES: [&str; 10] = [
        "license",
        "type",
        "reg",
        "registration",
        "invite",
        "invitation",
        "a4b",
        "result",
        "email",
        "lic",
    ];
    let trimmed = expr.trim_end();
    if trimmed.len() != expr.len() || expr.ends_with('"') {
        return expr;
    }
    let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &trimmed[start..];
    let bare = word.strip_prefix('-').unwrap_or(word).to_lowercase();
    if !bare.is_empty() && NAMES.iter().any(|n| n.starts_with(&bare)) {
        &expr[..start]
    } else {
        expr
    }
}

/// A pasted list of two or more emails (separated by spaces, commas,
/// semicolons or line breaks) as one `email:a,b,c` term of at most `max`
/// characters (the addresses that fit, each whole), with how many it kept
/// of how many; None if the text is anything else.
pub fn emails_term(text: &str, max: usize) -> Option<(String, usize, usize)> {
    let emails: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let all = emails.len() >= 2 && emails.iter().all(|e| crate::model::validate::is_email(e));
    if !all {
        return None;
    }
    // Whole addresses only: one cut in half would match nobody.
    let mut term = String::from("email:");
    let (mut chars, mut kept) = (term.len(), 0);
    for e in &emails {
        let sep = usize::from(kept > 0);
        let add = sep + e.chars().count();
        if chars + add > max {
            break;
        }
        if sep == 1 {
            term.push(',');
        }
        term.push_str(e);
        (chars, kept) = (chars + add, kept + 1);
    }
    (kept > 0).then_some((term, kept, emails.len()))
}

/// Reads an expression. The empty (or blank) expression matches everyone.
pub fn parse(expr: &str) -> Result<Filter, FilterError> {
    let terms = words(expr)?
        .iter()
        .map(|w| term(w))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { terms })
}

/// The text a free-text term looks in: the email and the display name,
/// lower-cased, kept per row so that a keystroke does not lower-case
/// 100,000 rows again.
pub fn text_key(u: &User) -> String {
    let mut k = u.email().to_lowercase();
    k.push('\u{1f}');
    k.push_str(&u.display_name().to_lowercase());
    k
}

/// The text key's email part (before the separator).
fn key_email(key: &str) -> &str {
    key.split('\u{1f}').next().unwrap_or(key)
}

impl Cond {
    fn holds(&self, u: &User, key: &str, outcome: Option<Outcome>) -> bool {
        fn any<T: PartialEq>(vals: &[T], v: Option<&T>) -> bool {
            v.is_some_and(|v| vals.contains(v))
        }
        match self {
            Cond::Text(t) => key.contains(t.as_str()),
            Cond::License(v) => any(v, u.license_type.as_ref()),
            Cond::Type(v) => any(v, u.user_type.as_ref()),
            Cond::Reg(v) => any(v, u.user_registration_status.as_ref()),
            Cond::Invite(v) => any(v, u.user_invitation_status.as_ref()),
            Cond::A4b(want) => {
                let on = u
                    .alexa_for_business_metadata
                    .as_ref()
                    .and_then(|m| m.is_alexa_for_business_enabled)
                    .unwrap_or(false);
                on == *want
            }
            Cond::Result(v) => any(v, outcome.as_ref()),
            Cond::Email(e) => {
                let want = key_email(key);
                e.binary_search_by(|x| x.as_str().cmp(want)).is_ok()
            }
        }
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the user holds every term. `key` is [`text_key`] of `u`;
    /// `outcome` is the last change's outcome on the row, if it had one.
    pub fn matches(&self, u: &User, key: &str, outcome: Option<Outcome>) -> bool {
        self.terms
            .iter()
            .all(|t| t.cond.holds(u, key, outcome) != t.negated)
    }

    /// Whether this filter can only match rows that `prev` matches too (a
    /// longer fragment, one more term), so only `prev`'s matches need a look.
    pub fn narrows(&self, prev: &Filter) -> bool {
        prev.terms.iter().all(|p| {
            self.terms.iter().any(|t| {
                t == p
                    || matches!((&t.cond, &p.cond, t.negated, p.negated),
                        (Cond::Text(new), Cond::Text(old), false, false) if new.contains(old.as_str()))
            })
        })
    }

    /// Whether any term asks about the last change's results (those rows
    /// change when a result lands, not only when the filter does).
    pub fn uses_results(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.cond, Cond::Result(_)))
    }

    /// The address to ask the service for (`UserEmail`): a positive
    /// `email:` term. The other terms still narrow what it returns.
    pub fn api_email(&self) -> Option<&str> {
        self.terms.iter().find_map(|t| match &t.cond {
            Cond::Email(e) if !t.negated && e.len() == 1 => Some(e[0].as_str()),
            _ => None,
        })
    }

    /// The user type to ask the service for (`UserType`): a positive
    /// `type:` term with one value.
    pub fn api_user_type(&self) -> Option<&UserType> {
        self.terms.iter().find_map(|t| match &t.cond {
            Cond::Type(v) if !t.negated && v.len() == 1 => v.first(),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlexaForBusinessMetadata;

    fn user(email: &str, name: &str, lic: License, reg: RegistrationStatus) -> User {
        User {
            user_id: format!("id-{email}"),
            primary_email: Some(email.into()),
            display_name: Some(name.into()),
            license_type: Some(lic),
            user_type: Some(UserType::PrivateUser),
            user_registration_status: Some(reg),
            user_invitation_status: Some(InviteStatus::Accepted),
            ..User::default()
        }
    }

    fn hits(expr: &str, u: &User, outcome: Option<Outcome>) -> bool {
        let f = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        f.matches(u, &text_key(u), outcome)
    }

    /// A list of addresses in any order, case and with repeats (a paste of
    /// thousands) matches each of them, and only them.
    #[test]
    fn email_alternatives_in_any_order_case_and_repeats() {
        let list: Vec<String> = (0..3000)
            .rev()
            .map(|i| format!("User{i}@Example.com"))
            .chain(["user7@example.com".to_string()])
            .collect();
        let expr = format!("email:{}", list.join(","));
        for (email, want) in [
            ("user0@example.com", true),
            ("user2999@example.com", true),
            ("USER1500@example.com", true),
            ("user3000@example.com", false),
            ("user15@example.co", false),
        ] {
            let u = user(email, "X", License::Pro, RegistrationStatus::Registered);
            assert_eq!(hits(&expr, &u, None), want, "{email}");
        }
        let two = parse("email:b@x.com,A@x.com").expect("parses");
        assert_eq!(two, parse("email:a@x.com,b@x.com,b@x.com").expect("parses"));
        assert_eq!(
            two.api_email(),
            None,
            "two addresses: not asked of the service"
        );
        assert_eq!(
            parse("email:Ana@X.com").expect("parses").api_email(),
            Some("ana@x.com")
        );
    }

    #[test]
    fn free_text_matches_email_or_name_and_terms_are_anded() {
        let u = user(
            "ana@design.example.org",
            "Room 3",
            License::Pro,
            RegistrationStatus::Registered,
        );
        assert!(hits("", &u, None));
        assert!(hits("ANA", &u, None));
        assert!(hits("room 3", &u, None));
        assert!(hits("\"Room 3\"", &u, None));
        assert!(!hits("\"Room 4\"", &u, None));
        assert!(hits("design room", &u, None));
        assert!(!hits("design hall", &u, None));
        // The separator between email and name never joins a fragment.
        assert!(!hits("orgroom", &u, None));
    }

    #[test]
    fn every_field_matches_its_values_case_insensitively() {
        let mut u = user(
            "b@x.org",
            "B",
            License::Pro,
            RegistrationStatus::Unregistered,
        );
        assert!(hits("license:pro", &u, None));
        assert!(hits("License:PRO", &u, None));
        assert!(!hits("license:basic", &u, None));
        assert!(hits("license:basic,pro", &u, None));
        assert!(hits("type:private", &u, None));
        assert!(!hits("type:shared", &u, None));
        assert!(hits("reg:unregistered", &u, None));
        assert!(!hits("reg:registered", &u, None));
        assert!(hits("invite:accepted", &u, None));
        assert!(!hits("invite:pending", &u, None));
        assert!(hits("a4b:no", &u, None));
        u.alexa_for_business_metadata = Some(AlexaForBusinessMetadata {
            is_alexa_for_business_enabled: Some(true),
            alexa_for_business_room_arn: None,
        });
        assert!(hits("a4b:yes", &u, None));
        assert!(hits("email:B@X.org", &u, None));
        assert!(!hits("email:b@x.or", &u, None));
        assert!(hits("license:pro reg:unregistered", &u, None));
        assert!(!hits("license:pro reg:registered", &u, None));
    }

    #[test]
    fn results_match_the_rows_last_outcome() {
        let u = user("c@x.org", "C", License::Pro, RegistrationStatus::Registered);
        assert!(hits("result:failed", &u, Some(Outcome::Failed)));
        assert!(!hits("result:failed", &u, Some(Outcome::Ok)));
        assert!(!hits("result:failed", &u, None));
        assert!(hits("result:not-sent", &u, Some(Outcome::NotSent)));
        assert!(hits("result:already", &u, Some(Outcome::Already)));
        assert!(!hits("result:ok", &u, Some(Outcome::Already)));
        assert!(hits("result:unknown,failed", &u, Some(Outcome::Unknown)));
        assert!(hits("-result:failed", &u, None));
        assert!(parse("result:failed").is_ok_and(|f| f.uses_results()));
        assert!(parse("license:pro").is_ok_and(|f| !f.uses_results()));
    }

    #[test]
    fn a_minus_negates_any_term() {
        let u = user(
            "d@x.org",
            "Dee",
            License::Basic,
            RegistrationStatus::Suspended,
        );
        assert!(hits("-license:pro", &u, None));
        assert!(!hits("-license:basic", &u, None));
        assert!(hits("-zed", &u, None));
        assert!(!hits("-dee", &u, None));
        assert!(hits("-\"no such\"", &u, None));
        // A lone minus is text, not an empty negation.
        assert!(!hits("-", &u, None));
    }

    #[test]
    fn unknown_fields_and_values_are_errors_that_name_what_exists() {
        let e = parse("licence:pro").expect_err("typo");
        assert_eq!(e.term, "licence:pro");
        assert!(
            e.message.contains("unknown field") && e.message.contains(FIELDS),
            "{e}"
        );
        assert!(e.message.contains("did you mean license?"), "{e}");
        let e = parse("license:pro reg:unregisterd").expect_err("a typo of a value");
        assert_eq!(
            e.message,
            "did you mean unregistered? reg is one of registered, unregistered, suspended"
        );
        let e = parse("ana license:gold").expect_err("bad value");
        assert_eq!(e.term, "license:gold");
        assert!(e.message.contains("pro, plus, basic, protrial"), "{e}");
        assert!(e.to_string().contains("gold"), "{e}");
        let e = parse("reg:").expect_err("empty");
        assert!(
            e.message.contains("registered, unregistered, suspended"),
            "{e}"
        );
        assert!(parse("a4b:yes,no").is_err());
        assert!(parse("email:").is_err());
        assert!(parse("\"open").is_err());
        // Hostile text in an error is shown, never run.
        let e = parse("x\u{1b}[2J:1").expect_err("field");
        assert!(!e.to_string().chars().any(char::is_control), "{e}");
    }

    #[test]
    fn a_longer_fragment_or_one_more_term_narrows() {
        let f = |e: &str| parse(e).expect("parse");
        assert!(f("ana").narrows(&f("an")));
        assert!(f("ana license:pro").narrows(&f("an")));
        assert!(f("license:pro").narrows(&f("")));
        assert!(!f("an").narrows(&f("ana")));
        assert!(!f("license:basic").narrows(&f("license:pro")));
        assert!(!f("-ana").narrows(&f("-an")));
        assert!(f("-an").narrows(&f("-an")));
    }

    #[test]
    fn a_field_name_being_typed_is_left_out_until_its_colon() {
        assert_eq!(without_partial_field("ana lic"), "ana ");
        assert_eq!(without_partial_field("license"), "");
        assert_eq!(without_partial_field("-reg"), "");
        assert_eq!(without_partial_field("license:pro"), "license:pro");
        assert_eq!(without_partial_field("ana "), "ana ");
        assert_eq!(without_partial_field("regina"), "regina");
        assert_eq!(without_partial_field("\"reg\""), "\"reg\"");
    }

    #[test]
    fn the_service_is_asked_for_what_it_can_filter() {
        let f = parse("email:Ana@X.org license:pro").expect("parse");
        assert_eq!(f.api_email(), Some("ana@x.org"));
        assert_eq!(parse("-email:a@b.c").expect("parse").api_email(), None);
        assert_eq!(
            parse("type:shared").expect("parse").api_user_type(),
            Some(&UserType::SharedDevice)
        );
        assert_eq!(
            parse("type:shared,private").expect("parse").api_user_type(),
            None
        );
        assert_eq!(parse("ana").expect("parse").api_email(), None);
    }
}
