//! The `:` command line (k9s style): parsing, Tab completion and running a
//! command against the State. Pure like `update`: writing a file or the
//! clipboard is an Effect.

use std::path::PathBuf;

use super::browse::{apply_filter, open};
use super::view::{flash, scroll};
use crate::console::columns::UserCol;
use crate::console::command::{Command, Named, Verb};
use crate::console::effect::{Effect, Request, Term};
use crate::console::export::{self, Format};
use crate::console::state::{Pane, Sort, State, UserRow, UsersView};

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
    // `:export!` may replace a file; no other command takes the `!`.
    let (name, overwrite) = match word.strip_suffix('!') {
        Some(name) => (name, true),
        None => (word, false),
    };
    let words = || Verb::all().map(Verb::name).collect::<Vec<_>>().join(", ");
    let verb = match Verb::from_name(name) {
        Some(v) if !overwrite || v == Verb::Export => v,
        _ if word.is_empty() => return Err(format!("type a command: {}", words())),
        _ => {
            let near = crate::text::did_you_mean(name, Verb::all().map(Verb::name));
            return Err(format!(
                "no command {:?}: {near}commands are {}",
                crate::text::visible(word),
                words()
            ));
        }
    };
    let usage = || Err(verb.usage());
    let no_args = |c: Cmd| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(format!(":{word} takes nothing"))
        }
    };
    match verb {
        Verb::Accounts => no_args(Cmd::Accounts),
        Verb::Users => no_args(Cmd::Users),
        Verb::History => no_args(Cmd::History),
        Verb::Quit => no_args(Cmd::Quit),
        Verb::Account if rest.is_empty() => usage(),
        Verb::Account => Ok(Cmd::Account(rest.to_string())),
        Verb::Filter => match crate::filter::parse(rest) {
            Ok(_) => Ok(Cmd::Filter(rest.to_string())),
            Err(e) => Err(e.to_string()),
        },
        Verb::Sort => parse_sort(rest),
        Verb::Mark => match rest.to_ascii_lowercase().as_str() {
            "failed" => Ok(Cmd::MarkFailed),
            _ => usage(),
        },
        Verb::Profile if rest.is_empty() || rest.contains(char::is_whitespace) => usage(),
        Verb::Profile => Ok(Cmd::Profile(rest.to_string())),
        Verb::Copy => match rest.to_ascii_lowercase().as_str() {
            "email" | "" => Ok(Cmd::CopyEmail),
            "id" => Ok(Cmd::CopyId),
            _ => usage(),
        },
        Verb::Export => parse_export(rest, overwrite),
        Verb::Plan => match rest.split_once(char::is_whitespace) {
            Some(("save", file)) if !file.trim().is_empty() => {
                Ok(Cmd::SavePlan(PathBuf::from(file.trim())))
            }
            _ if rest.is_empty() || rest == "save" => usage(),
            _ => Ok(Cmd::OpenPlan(PathBuf::from(rest))),
        },
        Verb::Import if rest.is_empty() => Err(format!(
            "{} (a CSV: UserId or PrimaryEmail, LicenseType…)",
            verb.usage()
        )),
        Verb::Import => Ok(Cmd::Import(PathBuf::from(rest))),
    }
}

/// `:sort [COLUMN [asc|desc]]`.
fn parse_sort(rest: &str) -> Result<Cmd, String> {
    let mut words = rest.split_whitespace();
    let Some(key) = words.next() else {
        return Ok(Cmd::Sort(None));
    };
    let key = UserCol::parse_sort(key).ok_or_else(|| Verb::Sort.usage())?;
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

/// `:export csv|json [marked|results] [FILE]` (`overwrite`: `:export!`).
fn parse_export(rest: &str, overwrite: bool) -> Result<Cmd, String> {
    let mut words = rest.split_whitespace();
    let format = words
        .next()
        .and_then(Format::parse)
        .ok_or_else(|| Verb::Export.usage())?;
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
        return Err(format!("{}: one file", Verb::Export.usage()));
    }
    Ok(Cmd::Export {
        format,
        scope,
        file: next.map(PathBuf::from),
        overwrite,
    })
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
    let Some((first, args)) = words.split_first() else {
        let found = candidates(Verb::all().map(Verb::name), word);
        // A command that takes something gets its space.
        let space =
            matches!(found.as_slice(), [one] if Verb::from_name(one).is_some_and(Verb::takes_args));
        return pick(head, word, found, space);
    };
    let pool = match Verb::from_name(first) {
        // Account names may have spaces: complete the whole argument.
        Some(v @ Verb::Account) => return complete_arg(line, v, account_names),
        Some(v @ Verb::Profile) => return complete_arg(line, v, profiles),
        Some(v) => v.arg_words(args.len()),
        None => Vec::new(),
    };
    pick(head, word, candidates(pool, word), true)
}

/// The words of `pool` that start with `word`.
fn candidates<'a>(pool: impl IntoIterator<Item = &'a str>, word: &str) -> Vec<String> {
    pool.into_iter()
        .filter(|c| c.starts_with(word))
        .map(str::to_string)
        .collect()
}

/// Completes the whole argument of `verb` (case-insensitive prefix) from `names`.
fn complete_arg(line: &str, verb: Verb, names: &[&str]) -> (String, Vec<String>) {
    let arg = line
        .trim_start()
        .trim_start_matches(':')
        .trim_start()
        .get(verb.name().len()..)
        .unwrap_or("")
        .trim_start();
    let lower = arg.to_lowercase();
    let found: Vec<String> = names
        .iter()
        .filter(|n| n.to_lowercase().starts_with(&lower))
        .map(|n| n.to_string())
        .collect();
    pick(&format!("{} ", verb.name()), arg, found, false)
}

/// The line with `found` in place of `word`: the one candidate (and a
/// space after it if `space_after`), or the candidates' common prefix.
fn pick(head: &str, word: &str, found: Vec<String>, space_after: bool) -> (String, Vec<String>) {
    match found.as_slice() {
        [] => (format!("{head}{word}"), found),
        [one] => {
            let sep = if space_after { " " } else { "" };
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
            open_users(state)?;
            state.focus = Pane::Users;
            scroll(state);
        }
        Cmd::Account(name) => open_account(state, &name, fx)?,
        Cmd::Filter(text) => {
            let v = open_users(state)?;
            v.filter.input = tui_input::Input::new(text);
            v.filter.editing = false;
            state.focus = Pane::Users;
            apply_filter(state, fx);
        }
        Cmd::Sort(sort) => {
            super::select::set_sort(open_users(state)?, sort);
            state.focus = Pane::Users;
            scroll(state);
        }
        Cmd::MarkFailed => mark_failed(state)?,
        Cmd::Export {
            format,
            scope,
            file,
            overwrite,
        } => {
            let file = file.map(|f| expand_home(state, f));
            export_users(state, format, scope, file, overwrite, fx)?
        }
        Cmd::CopyEmail | Cmd::CopyId => copy(state, cmd == Cmd::CopyId, fx)?,
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

/// The open account's users, or why a command needs one.
fn open_users(state: &mut State) -> Result<&mut UsersView, String> {
    state.users.as_mut().ok_or_else(no_account)
}

/// Why a command that needs an account's users does nothing.
fn no_account() -> String {
    format!("no account open: {}", Verb::Account.usage())
}

/// `:mark failed`: the users the last change failed for, marked.
fn mark_failed(state: &mut State) -> Result<(), String> {
    let v = open_users(state)?;
    let ids = super::select::failed_ids(v);
    if ids.is_empty() {
        return Err("no failed users: the last change failed for none here".into());
    }
    let n = ids.len();
    v.marks.extend(ids);
    flash(state, format!("{n} failed users marked"));
    Ok(())
}

/// `:copy email|id`: the marked users' emails (one a line) when the users
/// pane has marks, else the current user's email or id, to the clipboard.
fn copy(state: &mut State, id: bool, fx: &mut Vec<Effect>) -> Result<(), String> {
    let marked = state
        .users
        .as_ref()
        .filter(|v| state.focus != Pane::Accounts && !v.marks.is_empty() && !id);
    if let Some(v) = marked {
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
        return Ok(());
    }
    let user = match state.focus {
        Pane::Users | Pane::Detail => state.users.as_ref().and_then(|v| v.selected_user()),
        Pane::Accounts => None,
    };
    let Some(u) = user else {
        return Err("no user selected".into());
    };
    let (text, what) = if id {
        (u.user_id.clone(), "user id")
    } else {
        (u.email().to_string(), "email")
    };
    fx.push(Effect::Term(Term::Copy {
        text: text.into(),
        what: what.to_string(),
    }));
    flash(state, format!("copied the {what} to the clipboard (OSC52)"));
    Ok(())
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
        return Err(no_account());
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

    /// Each argument completes from the words its usage names, and a value
    /// (FILE, EXPR) from none.
    #[test]
    fn arguments_complete_from_the_usage() {
        let offered = |line: &str| complete(line, &[], &[]).1;
        assert_eq!(offered("export "), ["csv", "json"]);
        assert_eq!(offered("export json "), ["marked", "results"]);
        assert!(offered("export json marked ").is_empty());
        assert_eq!(offered("copy "), ["email", "id"]);
        assert_eq!(complete("mark f", &[], &[]).0, "mark failed ");
        assert_eq!(complete("plan s", &[], &[]).0, "plan save ");
        assert!(offered("plan save ").is_empty());
        assert!(offered("filter ").is_empty());
        assert!(offered("quit ").is_empty());
        assert_eq!(complete("hist", &[], &[]).0, "history");
        assert_eq!(complete("imp", &[], &[]).0, "import ");
        assert_eq!(parse("plan").err().as_deref(), Some(":plan [save] FILE"));
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
