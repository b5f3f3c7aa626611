//! The `:` command line (k9s style): parsing, Tab completion and running a
//! command against the State. Pure like `update`: writing a file or the
//! clipboard is an Effect.

use std::path::PathBuf;

use super::browse::{apply_filter, open};
use super::view::{flash, scroll};
use crate::console::columns::UserCol;
use crate::console::effect::{Effect, Request, Term};
use crate::console::export::{self, Format};
use crate::console::keys::Command;
use crate::console::state::{Pane, Sort, State, UserRow};

pub use crate::console::keys::COMMANDS;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The users shown under the filter.
    View,
    Marked,
    /// The last change's per-user results.
    Results,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Accounts,
    Account(String),
    Users,
    Filter(String),
    Export {
        format: Format,
        scope: Scope,
        file: Option<PathBuf>,
        /// `:export!`: an existing file may be replaced.
        overwrite: bool,
    },
    /// `:sort KEY [asc|desc]`; `None`: the load order.
    Sort(Option<Sort>),
    MarkFailed,
    CopyEmail,
    CopyId,
    Profile(String),
    /// `:plan FILE`: open a saved plan; `:plan save FILE`: save the last preview's.
    OpenPlan(PathBuf),
    SavePlan(PathBuf),
    /// `:import FILE`: a desired-state CSV.
    Import(PathBuf),
    History,
    Quit,
}

pub fn parse(line: &str) -> Result<Cmd, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let no_args = |c: Cmd| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(format!(":{word} takes nothing"))
        }
    };
    match word {
        "accounts" => no_args(Cmd::Accounts),
        "users" => no_args(Cmd::Users),
        "quit" | "q" => no_args(Cmd::Quit),
        "account" if rest.is_empty() => Err(":account NAME".into()),
        "account" => Ok(Cmd::Account(rest.to_string())),
        "filter" => match crate::filter::parse(rest) {
            Ok(_) => Ok(Cmd::Filter(rest.to_string())),
            Err(e) => Err(e.to_string()),
        },
        "sort" => {
            let mut words = rest.split_whitespace();
            let Some(key) = words.next() else {
                return Ok(Cmd::Sort(None));
            };
            let names: Vec<&str> = UserCol::sortable().filter_map(|c| c.sort_word()).collect();
            let key = UserCol::parse_sort(key)
                .ok_or_else(|| format!(":sort {} [asc|desc]", names.join("|")))?;
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => return Err(":sort COLUMN asc|desc".into()),
            };
            if words.next().is_some() {
                return Err(":sort COLUMN [asc|desc]".into());
            }
            Ok(Cmd::Sort(Some(Sort { key, descending })))
        }
        "mark" => match rest.to_ascii_lowercase().as_str() {
            "failed" => Ok(Cmd::MarkFailed),
            _ => Err(":mark failed".into()),
        },
        "profile" if rest.is_empty() || rest.contains(char::is_whitespace) => {
            Err(":profile NAME".into())
        }
        "profile" => Ok(Cmd::Profile(rest.to_string())),
        "copy" => match rest.to_ascii_lowercase().as_str() {
            "email" | "" => Ok(Cmd::CopyEmail),
            "id" => Ok(Cmd::CopyId),
            _ => Err(":copy email|id".into()),
        },
        "export" | "export!" => {
            let mut words = rest.split_whitespace();
            let format = words
                .next()
                .and_then(Format::parse)
                .ok_or(":export csv|json [marked|results] [FILE]")?;
            let mut next = words.next();
            let scope = match next.map(str::to_ascii_lowercase).as_deref() {
                Some("marked") => Scope::Marked,
                Some("results") => Scope::Results,
                _ => Scope::View,
            };
            if scope != Scope::View {
                next = words.next();
            }
            if words.next().is_some() {
                return Err(":export csv|json [marked|results] [FILE]: one file".into());
            }
            Ok(Cmd::Export {
                format,
                scope,
                file: next.map(PathBuf::from),
                overwrite: word == "export!",
            })
        }
        "history" => no_args(Cmd::History),
        "plan" => match rest.split_once(char::is_whitespace) {
            Some(("save", file)) if !file.trim().is_empty() => {
                Ok(Cmd::SavePlan(PathBuf::from(file.trim())))
            }
            _ if rest.is_empty() || rest == "save" => Err(":plan FILE | :plan save FILE".into()),
            _ => Ok(Cmd::OpenPlan(PathBuf::from(rest))),
        },
        "import" if rest.is_empty() => Err(":import FILE (a CSV: UserId or PrimaryEmail, LicenseType…)".into()),
        "import" => Ok(Cmd::Import(PathBuf::from(rest))),
        "" => Err(
            "type a command: accounts, account NAME, users, filter, sort, mark, export, copy, profile, plan, import, history, quit"
                .into(),
        ),
        other => Err(format!(
            "no command {:?} (accounts, account, users, filter, sort, mark, export, copy, profile, plan, import, history, quit)",
            crate::text::visible(other)
        )),
    }
}

/// Tab: completes the word under the cursor (the line's last word). One
/// candidate is taken; several extend to their common prefix and are listed.
/// `:account` completes account names, `:profile` the AWS profiles.
pub fn complete(line: &str, account_names: &[&str], profiles: &[&str]) -> (String, Vec<String>) {
    let (head, word) = match line.rfind(' ') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => ("", line),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let pool: Vec<&str> = match words.as_slice() {
        [] => COMMANDS.iter().map(|(c, _)| *c).collect(),
        // Account names may have spaces: complete the whole argument.
        ["account", ..] => return complete_arg(line, "account", account_names),
        ["profile", ..] => return complete_arg(line, "profile", profiles),
        ["export"] => vec!["csv", "json"],
        ["export", _] => vec!["marked", "results"],
        ["copy"] => vec!["email", "id"],
        ["sort"] => UserCol::sortable().filter_map(|c| c.sort_word()).collect(),
        ["sort", _] => vec!["asc", "desc"],
        ["mark"] => vec!["failed"],
        ["plan"] => vec!["save"],
        _ => Vec::new(),
    };
    let found: Vec<String> = pool
        .iter()
        .filter(|c| c.starts_with(word))
        .map(|c| c.to_string())
        .collect();
    let takes_args = words.is_empty() && !matches!(word, "accounts" | "users" | "quit");
    pick(head, word, found, takes_args || !words.is_empty())
}

/// Completes the whole argument of `command` (case-insensitive prefix) from `names`.
fn complete_arg(line: &str, command: &str, names: &[&str]) -> (String, Vec<String>) {
    let arg = line
        .trim_start()
        .trim_start_matches(':')
        .trim_start()
        .get(command.len()..)
        .unwrap_or("")
        .trim_start();
    let lower = arg.to_lowercase();
    let found: Vec<String> = names
        .iter()
        .filter(|n| n.to_lowercase().starts_with(&lower))
        .map(|n| n.to_string())
        .collect();
    pick(&format!("{command} "), arg, found, false)
}

fn pick(head: &str, word: &str, found: Vec<String>, space_after: bool) -> (String, Vec<String>) {
    match found.as_slice() {
        [] => (format!("{head}{word}"), found),
        [one] => {
            let sep = if space_after && !matches!(one.as_str(), "accounts" | "users" | "quit") {
                " "
            } else {
                ""
            };
            (format!("{head}{one}{sep}"), Vec::new())
        }
        many => {
            let mut prefix = many[0].clone();
            for m in &many[1..] {
                let n = prefix
                    .chars()
                    .zip(m.chars())
                    .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                    .count();
                prefix = prefix.chars().take(n).collect();
            }
            let word = if prefix.len() > word.len() {
                prefix
            } else {
                word.to_string()
            };
            (format!("{head}{word}"), found)
        }
    }
}

/// `~` and `~/…` are the home directory (the one the console started
/// with, kept in the State: `update` reads no environment), as a shell
/// would read them.
fn expand_home(state: &State, path: PathBuf) -> PathBuf {
    let Some(word) = path.to_str() else {
        return path;
    };
    match (word.strip_prefix('~'), &state.home) {
        (Some(""), Some(home)) => home.clone(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => path,
    }
}

/// Runs a command line. A command that is also a key (`:quit`) comes back
/// as that key's Command, for `update` to run.
pub fn run(state: &mut State, line: &str, fx: &mut Vec<Effect>) -> Option<Command> {
    let mut then = None;
    match parse(line) {
        Ok(cmd) => {
            state.cmdline = None;
            match execute(state, cmd, fx) {
                Ok(c) => then = c,
                Err(problem) => flash(state, problem),
            }
        }
        Err(problem) => {
            if let Some(c) = &mut state.cmdline {
                c.hint = Some(problem);
            }
        }
    }
    then
}

fn execute(state: &mut State, cmd: Cmd, fx: &mut Vec<Effect>) -> Result<Option<Command>, String> {
    match cmd {
        Cmd::Accounts => {
            state.focus = Pane::Accounts;
            scroll(state);
        }
        Cmd::Users => {
            if state.users.is_none() {
                return Err("no account open: :account NAME".into());
            }
            state.focus = Pane::Users;
            scroll(state);
        }
        Cmd::Account(name) => open_account(state, &name, fx)?,
        Cmd::Filter(text) => {
            let Some(v) = &mut state.users else {
                return Err("no account open: :account NAME".into());
            };
            v.filter.input = tui_input::Input::new(text);
            v.filter.editing = false;
            state.focus = Pane::Users;
            apply_filter(state, fx);
        }
        Cmd::Sort(sort) => {
            let Some(v) = &mut state.users else {
                return Err("no account open: :account NAME".into());
            };
            super::select::set_sort(v, sort);
            state.focus = Pane::Users;
            scroll(state);
        }
        Cmd::MarkFailed => {
            let Some(v) = &mut state.users else {
                return Err("no account open: :account NAME".into());
            };
            let ids = super::select::failed_ids(v);
            if ids.is_empty() {
                return Err("no failed users: the last change failed for none here".into());
            }
            let n = ids.len();
            v.marks.extend(ids);
            flash(state, format!("{n} failed users marked"));
        }
        Cmd::Export {
            format,
            scope,
            file,
            overwrite,
        } => {
            let file = file.map(|f| expand_home(state, f));
            export_users(state, format, scope, file, overwrite, fx)?
        }
        Cmd::CopyEmail
            if state.focus != Pane::Accounts
                && state.users.as_ref().is_some_and(|v| !v.marks.is_empty()) =>
        {
            let Some(v) = &state.users else {
                return Ok(None);
            };
            let emails: Vec<&str> = v
                .list
                .items()
                .iter()
                .filter(|r| v.marks.contains(&r.user.user_id))
                .map(|r| r.user.email())
                .collect();
            let n = emails.len();
            fx.push(Effect::Term(Term::Copy {
                text: emails.join("\n").into(),
                what: format!("{n} emails"),
            }));
            flash(
                state,
                format!("copied the {n} marked users' emails to the clipboard (OSC52)"),
            );
        }
        Cmd::CopyEmail | Cmd::CopyId => {
            let user = match state.focus {
                Pane::Users | Pane::Detail => state.users.as_ref().and_then(|v| v.selected_user()),
                Pane::Accounts => None,
            };
            let Some(u) = user else {
                return Err("no user selected".into());
            };
            let (text, what) = if cmd == Cmd::CopyId {
                (u.user_id.clone(), "user id")
            } else {
                (u.email().to_string(), "email")
            };
            fx.push(Effect::Term(Term::Copy {
                text: text.into(),
                what: what.to_string(),
            }));
            flash(state, format!("copied the {what} to the clipboard (OSC52)"));
        }
        Cmd::Profile(profile) => {
            if state.busy_changing() {
                return Err("a change is being sent: switch profiles after it".into());
            }
            flash(state, format!("switching to profile {profile}…"));
            fx.push(Effect::Io(Request::SwitchProfile { profile }));
        }
        Cmd::OpenPlan(path) => {
            let path = expand_home(state, path);
            super::plans::open_plan_file(state, path, fx)
        }
        Cmd::SavePlan(path) => {
            let path = expand_home(state, path);
            super::plans::save_plan(state, Some(path), fx)
        }
        Cmd::Import(path) => {
            let path = expand_home(state, path);
            super::plans::import(state, path, fx)?
        }
        Cmd::History => super::plans::open_history(state, fx),
        Cmd::Quit => return Ok(Some(Command::Quit)),
    }
    Ok(None)
}

/// `:account NAME`: the one account whose name is NAME (or starts with it), opened.
fn open_account(state: &mut State, name: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
    let lower = name.to_lowercase();
    let items = state.accounts.list.items();
    let exact: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].name.to_lowercase() == lower)
        .collect();
    let prefix: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].name.to_lowercase().starts_with(&lower))
        .collect();
    let i = match (exact.as_slice(), prefix.as_slice()) {
        ([i], _) | ([], [i]) => *i,
        ([], []) => return Err(format!("no account {name:?}")),
        _ => {
            return Err(format!(
                "{name:?} names more than one account: Tab lists them"
            ));
        }
    };
    state.accounts.filter = Default::default();
    state.accounts.list.set_filter("");
    let pos = state
        .accounts
        .list
        .visible()
        .iter()
        .position(|&v| v == i)
        .unwrap_or(0);
    state.accounts.list.move_to(pos);
    state.focus = Pane::Accounts;
    open(state, fx);
    Ok(())
}

/// `:export`: the users shown, marked or with results, written to a file by the worker.
fn export_users(
    state: &State,
    format: Format,
    scope: Scope,
    file: Option<PathBuf>,
    overwrite: bool,
    fx: &mut Vec<Effect>,
) -> Result<(), String> {
    let Some(v) = &state.users else {
        return Err("no account open: :account NAME".into());
    };
    let rows: Vec<&UserRow> = match scope {
        // The last change's rows only, shown or not: never an older one's.
        Scope::Results => v
            .list
            .items()
            .iter()
            .filter(|r| r.result.is_some() && v.last_batch.is_some() && r.batch == v.last_batch)
            .collect(),
        Scope::View => v
            .list
            .visible()
            .iter()
            .map(|&i| &v.list.items()[i])
            .collect(),
        Scope::Marked => v
            .list
            .items()
            .iter()
            .filter(|r| v.marks.contains(&r.user.user_id))
            .collect(),
    };
    let (what, contents) = match scope {
        Scope::Results => {
            let n = rows.iter().filter(|r| r.result.is_some()).count();
            if n == 0 {
                return Err("no results to export: the last change shows none here".into());
            }
            (format!("{n} results"), export::results(format, &rows)?)
        }
        _ => {
            let users: Vec<_> = rows.iter().map(|r| &r.user).collect();
            (
                format!("{} users", users.len()),
                export::users(format, &users)?,
            )
        }
    };
    let path = file.unwrap_or_else(|| {
        let kind = if scope == Scope::Results {
            "results"
        } else {
            "users"
        };
        PathBuf::from(format!("chime-{kind}.{}", format.ext()))
    });
    fx.push(Effect::Io(Request::WriteFile {
        path,
        contents: contents.into(),
        what,
        overwrite,
        note: String::new(),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_arguments_complete_from_the_names() {
        let profiles = ["default", "dev", "prod", "prod-eu"];
        assert_eq!(
            complete("profile d", &[], &profiles),
            (
                "profile de".to_string(),
                vec!["default".to_string(), "dev".to_string()]
            )
        );
        assert_eq!(
            complete("profile dev", &[], &profiles),
            ("profile dev".to_string(), vec![])
        );
        assert_eq!(
            complete("profile x", &[], &profiles),
            ("profile x".to_string(), vec![])
        );
        assert_eq!(complete("pro", &[], &profiles).0, "profile ");
    }

    #[test]
    fn sort_takes_each_column_word_and_alias_and_lists_them_in_order() {
        let words = [
            "email", "name", "license", "type", "reg", "invite", "a4b", "result",
        ];
        let sorted = |line: &str| match parse(line) {
            Ok(Cmd::Sort(s)) => s,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(sorted("sort"), None);
        assert_eq!(
            sorted("sort User-Type desc"),
            Some(Sort {
                key: UserCol::UserType,
                descending: true
            })
        );
        for (line, key) in [
            ("sort registration", UserCol::Registration),
            ("sort invitation asc", UserCol::Invitation),
            ("sort usertype", UserCol::UserType),
        ] {
            assert_eq!(sorted(line).map(|s| s.key), Some(key), "{line}");
        }
        for w in words {
            let s = sorted(&format!("sort {w}"));
            assert_eq!(s.and_then(|s| s.key.sort_word()), Some(w));
        }
        assert_eq!(
            parse("sort mark").err().as_deref(),
            Some(":sort email|name|license|type|reg|invite|a4b|result [asc|desc]")
        );
        let (_, offered) = complete("sort ", &[], &[]);
        assert_eq!(offered, words);
        assert_eq!(complete("sort re", &[], &[]).1, ["reg", "result"]);
    }
}
