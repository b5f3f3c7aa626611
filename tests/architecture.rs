//! Every import of the crate points down (docs/architecture.md): the test
//! reads `src/**` (test modules included), resolves each `use` and each
//! inline `crate::…` / `super::…` / `self::…` path to the file that defines
//! it, builds the file graph and checks:
//!
//! - inside `src/console/**` no file reaches a file that reaches it back, and
//!   the console's layers point down (state ← keys ← update ← ui ← run);
//! - the IO side (`worker`, `jobs`, `effect`, `action`) imports nothing of the
//!   screen (`state`, `form`, `prompt`, `settings`, `ui`, `update`, `keys`,
//!   `keymap`, `mode`; from `command` only `action` may take `Command`);
//! - the domain and IO modules import nothing of the front ends (`console`,
//!   `headless`, `cli`), and `headless` nothing of `console`.
//!
//! A test module's `super` is its own file: it may import that file, and
//! every other import in it obeys the same rules. Each failure names the
//! importing file, the file imported and the names taken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path (`["console", "ui", "help"]`) and text.
struct SourceFile {
    rel: String,
    module: Vec<String>,
    text: String,
}

fn read_tree(dir: &Path, root: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p.strip_prefix(root).expect("under root");
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .skip(1) // "src"
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") || module == ["lib"] {
                module.pop();
            }
            let text = std::fs::read_to_string(&p).expect("read source");
            out.push(SourceFile {
                rel: rel.to_string_lossy().into_owned(),
                module,
                text,
            });
        }
    }
}

/// The code that counts: comments removed, and string and char literals
/// emptied (`"chime_admin::console"` in a string is no import). Line breaks
/// are kept.
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let is_id = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_id = i > 0 && is_id(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if !prev_id && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    j += hashes + 1;
                    break;
                }
                if c[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                } else if c[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            // '\n', '\'', '\u{1F}'
            i += 3;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The code of a file cut at its inline modules (`mod tests { … }`,
/// `mod token { … }`): each piece with the module it is in.
fn scopes(module: &[String], code: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut path = module.to_vec();
    // Open inline modules: the brace depth at which each one closes.
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut piece = String::new();
    for ch in code.chars() {
        match ch {
            '{' => {
                let head = piece.trim_end();
                let name: String = head
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let before = head[..head.len() - name.len()].trim_end();
                let is_mod = !name.is_empty()
                    && before.ends_with("mod")
                    && !before[..before.len() - 3]
                        .ends_with(|c: char| c.is_alphanumeric() || c == '_');
                if is_mod {
                    out.push((path.clone(), std::mem::take(&mut piece)));
                    path.push(name);
                    open.push(depth);
                } else {
                    piece.push(ch);
                }
                depth += 1;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if open.last() == Some(&depth) {
                    open.pop();
                    out.push((path.clone(), std::mem::take(&mut piece)));
                    path.pop();
                } else {
                    piece.push(ch);
                }
            }
            _ => piece.push(ch),
        }
    }
    out.push((path, piece));
    out
}

/// Splits `a, b::{c, d}, e` at the commas outside braces.
fn split_top(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0usize, 0usize, Vec::new());
    for (i, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Expands a use tree (whitespace removed) into full paths.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim_end_matches("::");
        let inner = &tree[open + 1..tree.len() - 1];
        let mut p = prefix.to_vec();
        p.extend(head.split("::").filter(|s| !s.is_empty()).map(String::from));
        for part in split_top(inner) {
            expand(&p, part, out);
        }
        return;
    }
    let tree = tree.split(" as ").next().unwrap_or(tree);
    let mut p = prefix.to_vec();
    for seg in tree.split("::").filter(|s| !s.is_empty()) {
        if seg != "self" || p.is_empty() {
            p.push(seg.to_string());
        }
    }
    out.push(p);
}

/// Every path a file names: its use trees expanded, and each inline
/// `a::b::c` path in the rest of the code.
fn paths_of(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = String::new();
    let mut s = code;
    while let Some(i) = find_use(s) {
        rest.push_str(&s[..i]);
        let after = &s[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        let tree: String = after[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" ::", "::")
            .replace(":: ", "::")
            .replace(", ", ",")
            .replace("{ ", "{")
            .replace(" }", "}");
        expand(&[], tree.trim_start_matches("::"), &mut out);
        s = &after[(end + 1).min(after.len())..];
    }
    rest.push_str(s);
    let bytes = rest.as_bytes();
    let is_id = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if is_id(bytes[i]) && (i == 0 || !is_id(bytes[i - 1]) && bytes[i - 1] != b':') {
            let mut segs = Vec::new();
            let mut j = i;
            loop {
                let st = j;
                while j < bytes.len() && is_id(bytes[j]) {
                    j += 1;
                }
                segs.push(rest[st..j].to_string());
                if rest[j..].starts_with("::") && bytes.get(j + 2).is_some_and(|&b| is_id(b)) {
                    j += 2;
                } else {
                    break;
                }
            }
            if segs.len() > 1 {
                out.push(segs);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The byte offset of the next `use ` keyword starting a statement.
fn find_use(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = s[from..].find("use ") {
        let i = from + k;
        let before = s[..i].trim_end_matches([' ', '\t']);
        let prev = before.chars().last();
        let starts = before.is_empty()
            || matches!(prev, Some('\n' | ';' | '{' | '}'))
            || before.ends_with("pub")
            || before.ends_with(')');
        if starts && (i == 0 || !s.as_bytes()[i - 1].is_ascii_alphanumeric()) {
            return Some(i);
        }
        from = i + 4;
    }
    None
}

/// The import graph of `src/**`: file → file → names taken.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// Reads `src/**` and resolves every path each file names to the file that
/// defines it. A file's own modules (a test module) are the file itself.
fn crate_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    read_tree(&root.join("src"), root, &mut files);
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut pieces = Vec::new();
    for f in &files {
        modules.insert(f.module.clone(), f.rel.clone());
        for (module, code) in scopes(&f.module, &strip(&f.text)) {
            modules
                .entry(module.clone())
                .or_insert_with(|| f.rel.clone());
            pieces.push((f.rel.clone(), f.module.len(), module, code));
        }
    }
    let mut graph = Graph::new();
    // A module's aliases, kept for its later pieces and its inline modules
    // (which see them through `use super::*`).
    let mut seen: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (rel, depth, module, code) in &pieces {
        graph.entry(rel.clone()).or_default();
        let paths = paths_of(code);
        let parent = &module[..module.len().saturating_sub(1)];
        let mut aliases = seen
            .get(module)
            .or_else(|| seen.get(parent).filter(|_| module.len() > *depth))
            .cloned()
            .unwrap_or_default();
        aliases.extend(declared_children(module, code));
        // Modules brought in by name (`use super::ui;`): later `ui::x` paths go through them.
        for p in &paths {
            if let Some(abs) = absolute(module, p, &aliases)
                && modules.contains_key(&abs)
                && let Some(last) = p.last()
            {
                aliases.insert(last.clone(), abs);
            }
        }
        seen.insert(module.clone(), aliases.clone());
        for p in &paths {
            let Some(abs) = absolute(module, p, &aliases) else {
                continue;
            };
            let Some(n) = (1..=abs.len())
                .rev()
                .find(|&n| modules.contains_key(&abs[..n]))
            else {
                continue; // the crate root (lib.rs) or outside the crate
            };
            let target = &modules[&abs[..n]];
            if target == rel {
                continue; // itself (a test module's `super`)
            }
            let name = abs.get(n).cloned().unwrap_or_else(|| abs[n - 1].clone());
            graph
                .entry(rel.clone())
                .or_default()
                .entry(target.clone())
                .or_default()
                .insert(name);
        }
    }
    graph
}

/// The console's part of the graph: its files, and the imports between them
/// (`console/mod.rs` only declares the modules).
fn console_graph() -> Graph {
    let inside = |f: &str| f.starts_with("src/console/") && f != "src/console/mod.rs";
    crate_graph()
        .into_iter()
        .filter(|(from, _)| inside(from))
        .map(|(from, to)| {
            let to = to.into_iter().filter(|(t, _)| inside(t)).collect();
            (from, to)
        })
        .collect()
}

/// The modules a file declares (`mod x;`): its own `x::…` paths reach them.
fn declared_children(module: &[String], code: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for line in code.lines() {
        let l = line.trim().trim_start_matches("pub ");
        if let Some(name) = l.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            let mut m = module.to_vec();
            m.push(name.trim().to_string());
            out.insert(name.trim().to_string(), m);
        }
    }
    out
}

/// `p` as a path from the crate root, if it starts at the crate, at a
/// `super`/`self`, or at a module brought in by name.
fn absolute(
    module: &[String],
    p: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let first = p.first()?;
    Some(match first.as_str() {
        "crate" | "chime_admin" => p[1..].to_vec(),
        "super" | "self" => {
            let mut base = module.to_vec();
            let mut rest = p;
            while rest.first().is_some_and(|s| s == "super" || s == "self") {
                if rest[0] == "super" {
                    base.pop();
                }
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            base
        }
        name => {
            let mut base = aliases.get(name)?.clone();
            base.extend(p[1..].iter().cloned());
            base
        }
    })
}

/// Strongly connected components with more than one file (Tarjan).
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flat_map(|m| m.keys()) {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn console_imports_point_down() {
    let graph = console_graph();
    let found = circles(&graph);
    let mut report = String::new();
    for comp in &found {
        report.push_str(&format!(
            "circle of {} files: {}\n",
            comp.len(),
            comp.join(", ")
        ));
        for a in comp {
            for (b, names) in &graph[a] {
                if comp.contains(b) {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    report.push_str(&format!("  {a} -> {b}: {}\n", names.join(", ")));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "imports inside src/console go round:\n{report}"
    );
}

/// One rule: no file under `from` imports from a file under `not`, except
/// the names listed for a target (`(file, name)`).
struct Rule {
    from: &'static [&'static str],
    not: &'static [&'static str],
    except: &'static [(&'static str, &'static str)],
    why: &'static str,
}

/// Every import that breaks a rule: "from -> to: names (why)".
fn broken(graph: &Graph, rules: &[Rule]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, targets) in graph {
        for rule in rules {
            if !rule.from.iter().any(|r| from.starts_with(r)) {
                continue;
            }
            for (to, names) in targets {
                if !rule.not.iter().any(|f| to.starts_with(f)) {
                    continue;
                }
                let names: Vec<&str> = names
                    .iter()
                    .map(String::as_str)
                    .filter(|n| !rule.except.iter().any(|(f, e)| to == f && n == e))
                    .collect();
                if !names.is_empty() {
                    wrong.push(format!(
                        "  {from} -> {to}: {} ({})",
                        names.join(", "),
                        rule.why
                    ));
                }
            }
        }
    }
    wrong
}

fn assert_kept(rules: &[Rule], what: &str) {
    let wrong = broken(&crate_graph(), rules);
    assert!(wrong.is_empty(), "{what}:\n{}", wrong.join("\n"));
}

/// The console's layers (docs/architecture.md): state is plain data; the
/// update logic never reaches the drawing; nothing below the loop reaches
/// the loop or the worker.
#[test]
fn console_layers_point_down() {
    const TOP: &[&str] = &[
        "src/console/update/",
        "src/console/ui/",
        "src/console/run.rs",
        "src/console/worker.rs",
    ];
    let why = "a lower layer of the console";
    assert_kept(
        &[
            Rule {
                from: &["src/console/state.rs", "src/console/columns.rs"],
                not: TOP,
                except: &[],
                why,
            },
            // The command names, the mode and the key registry: the state
            // holds them, so they reach nothing above it (among themselves
            // the circle test keeps them pointing one way).
            Rule {
                from: &[
                    "src/console/command.rs",
                    "src/console/mode.rs",
                    "src/console/keys.rs",
                    "src/console/keymap.rs",
                ],
                not: &[
                    "src/console/state.rs",
                    "src/console/update/",
                    "src/console/ui/",
                    "src/console/run.rs",
                ],
                except: &[],
                why: "below the state",
            },
            Rule {
                from: &["src/console/update/"],
                not: &[
                    "src/console/ui/",
                    "src/console/run.rs",
                    "src/console/worker.rs",
                ],
                except: &[],
                why: "update is pure: no drawing, no loop, no IO",
            },
            Rule {
                from: &["src/console/ui/"],
                not: &["src/console/run.rs", "src/console/worker.rs"],
                except: &[],
                why: "ui draws from &State",
            },
        ],
        "imports that point up",
    );
}

/// The IO side of the console (the worker, its jobs, the requests it runs
/// and the answers it sends) knows nothing of the screen: its payloads live
/// in `effect.rs` and `action.rs`, and `update/` puts its answers into words.
/// The key registry (`keys`, `keymap`) and the screen's `Mode` are the
/// screen's; `action.rs` may take `Command` from `command.rs` (what
/// `Action::Cmd` carries), and nothing else from there.
#[test]
fn the_io_side_knows_nothing_of_the_screen() {
    assert_kept(
        &[Rule {
            from: &[
                "src/console/worker.rs",
                "src/console/jobs.rs",
                "src/console/effect.rs",
                "src/console/action.rs",
            ],
            not: &[
                "src/console/state.rs",
                "src/console/form.rs",
                "src/console/prompt.rs",
                "src/console/settings.rs",
                "src/console/ui/",
                "src/console/update/",
                "src/console/keys.rs",
                "src/console/keymap.rs",
                "src/console/mode.rs",
                "src/console/command.rs",
            ],
            except: &[("src/console/command.rs", "Command")],
            why: "the IO side imports nothing of the screen",
        }],
        "the IO side imports the screen",
    );
}

/// The domain and the IO below the front ends know nothing of them: the
/// model, the client, the service, plans, applying, the audit log, the
/// history, and the shared filter, columns, text and file helpers.
#[test]
fn the_domain_knows_nothing_of_the_front_ends() {
    assert_kept(
        &[Rule {
            from: &[
                "src/model/",
                "src/client/",
                "src/service/",
                "src/plan/",
                "src/apply.rs",
                "src/audit.rs",
                "src/history.rs",
                "src/filter.rs",
                "src/columns.rs",
                "src/text.rs",
                "src/private_file.rs",
            ],
            not: &["src/console/", "src/headless/", "src/cli.rs"],
            except: &[],
            why: "below the front ends",
        }],
        "the domain imports a front end",
    );
}

/// The headless commands know nothing of the console.
#[test]
fn headless_knows_nothing_of_the_console() {
    assert_kept(
        &[Rule {
            from: &["src/headless/"],
            not: &["src/console/"],
            except: &[],
            why: "headless beside the console, not above it",
        }],
        "headless imports the console",
    );
}

/// Resolves every path `code` names as the graph does, for the checker's
/// own tests.
fn resolved(module: &[&str], code: &str) -> BTreeSet<String> {
    let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
    let mut got = BTreeSet::new();
    for (m, piece) in scopes(&module, &strip(code)) {
        let paths = paths_of(&piece);
        let mut aliases = declared_children(&m, &piece);
        for p in &paths {
            if p.last().is_some_and(|s| s == "ui") {
                aliases.insert("ui".to_string(), vec!["console".into(), "ui".into()]);
            }
        }
        for p in &paths {
            if let Some(abs) = absolute(&m, p, &aliases) {
                got.insert(abs.join("::"));
            }
        }
    }
    got
}

/// The checker itself: aliased module paths, comments and strings left
/// out, a test module's `super` (its file) and an inline module's, and
/// circles.
#[test]
fn the_checker_sees_circles_aliases_and_test_modules() {
    let got = resolved(
        &["console", "m"],
        "use super::{a::{self, B}, ui};\nfn f() { ui::layout::g(); super::c::h(); }\n// super::d::x\n/* crate::console::y::Z */ let s = \"crate::console::z::Q\"; let c = '{';\n#[cfg(test)]\nmod tests { use super::*; use crate::console::e::F; fn t() { super::super::k::K; } }\nfn after() { self::n::N; }",
    );
    let want: BTreeSet<String> = [
        "console::a",
        "console::a::B",
        "console::ui",
        "console::ui::layout::g",
        "console::c::h",
        "console::m::*",
        "console::e::F",
        "console::k::K",
        "console::m::n::N",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);

    let mut g = Graph::new();
    let edge = |g: &mut Graph, a: &str, b: &str| {
        g.entry(a.into())
            .or_default()
            .entry(b.into())
            .or_default()
            .insert("x".into());
        g.entry(b.into()).or_default();
    };
    edge(&mut g, "a", "b");
    edge(&mut g, "b", "c");
    edge(&mut g, "c", "a");
    edge(&mut g, "c", "d");
    assert_eq!(circles(&g), vec![vec!["a", "b", "c"]]);
    let rules = [Rule {
        from: &["c"],
        not: &["a", "d"],
        except: &[("a", "x")],
        why: "test",
    }];
    assert_eq!(broken(&g, &rules), vec!["  c -> d: x (test)".to_string()]);
}
