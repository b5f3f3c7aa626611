//! Inside the console every import points down (DESIGN.md): no file of
//! `src/console/**` may reach, through `use super::…`, `use crate::console::…`
//! or an inline `super::…` / `crate::console::…` path, a file that reaches it
//! back. The test reads the sources, builds the file graph and fails with
//! every circle it finds, each printed as the files and the names that tie them.
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
            if module.last().is_some_and(|m| m == "mod") {
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

/// The code that counts: comments removed, and nothing from the first
/// `#[cfg(test)]` on (a test module's `super` is the file itself).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
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

/// The import graph of `src/console/**`: file → file → names taken.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn console_graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    read_tree(&root.join("src/console"), root, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| (f.module.clone(), f.rel.clone()))
        .collect();
    let mut graph = Graph::new();
    for f in &files {
        graph.entry(f.rel.clone()).or_default();
        let code = code_of(&f.text);
        let paths = paths_of(&code);
        // Modules brought in by name (`use super::ui;`): later `ui::x` paths go through them.
        let mut aliases: BTreeMap<String, Vec<String>> = declared_children(&f.module, &code);
        let mut resolved = Vec::new();
        for p in &paths {
            let Some(abs) = absolute(&f.module, p, &aliases) else {
                continue;
            };
            if modules.contains_key(&abs)
                && let Some(last) = p.last()
            {
                aliases.insert(last.clone(), abs.clone());
            }
            resolved.push(abs);
        }
        for p in &paths {
            if let Some(abs) = absolute(&f.module, p, &aliases) {
                resolved.push(abs);
            }
        }
        for abs in resolved {
            let Some(n) = (1..=abs.len())
                .rev()
                .find(|&n| modules.contains_key(&abs[..n]))
            else {
                continue;
            };
            let target = &modules[&abs[..n]];
            if *target == f.rel || n == 1 {
                continue; // itself, or `console` (mod.rs declares the modules)
            }
            let name = abs.get(n).cloned().unwrap_or_else(|| abs[n - 1].clone());
            graph
                .entry(f.rel.clone())
                .or_default()
                .entry(target.clone())
                .or_default()
                .insert(name);
        }
    }
    graph
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

/// `p` as a path from the crate root, if it names something in the console.
fn absolute(
    module: &[String],
    p: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let first = p.first()?;
    let mut abs: Vec<String> = match first.as_str() {
        "crate" => p[1..].to_vec(),
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
    };
    if abs.first().is_some_and(|s| s == "console") {
        abs.shrink_to_fit();
        Some(abs)
    } else {
        None
    }
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

/// The layers of DESIGN.md: state is plain data; the update logic never
/// reaches the drawing; nothing below the loop reaches the loop or the worker.
#[test]
fn console_layers_point_down() {
    let graph = console_graph();
    // The command names, the mode and the key registry: the state holds
    // them, so they reach nothing above it (among themselves the circle
    // test keeps them pointing one way).
    const BELOW_STATE: &[&str] = &[
        "src/console/state.rs",
        "src/console/update/",
        "src/console/ui/",
        "src/console/run.rs",
    ];
    let rules: &[(&str, &[&str])] = &[
        (
            "src/console/state.rs",
            &[
                "src/console/update/",
                "src/console/ui/",
                "src/console/run.rs",
                "src/console/worker.rs",
            ],
        ),
        (
            "src/console/columns.rs",
            &[
                "src/console/update/",
                "src/console/ui/",
                "src/console/run.rs",
                "src/console/worker.rs",
            ],
        ),
        ("src/console/command.rs", BELOW_STATE),
        ("src/console/mode.rs", BELOW_STATE),
        ("src/console/keys.rs", BELOW_STATE),
        ("src/console/keymap.rs", BELOW_STATE),
        (
            "src/console/update/",
            &[
                "src/console/ui/",
                "src/console/run.rs",
                "src/console/worker.rs",
            ],
        ),
        (
            "src/console/ui/",
            &["src/console/run.rs", "src/console/worker.rs"],
        ),
    ];
    let mut wrong = Vec::new();
    for (from, targets) in &graph {
        for (rule, forbidden) in rules {
            if !from.starts_with(rule) {
                continue;
            }
            for (to, names) in targets {
                if forbidden.iter().any(|f| to.starts_with(f)) {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    wrong.push(format!("  {from} -> {to}: {}", names.join(", ")));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up:\n{}",
        wrong.join("\n")
    );
}

/// The checker itself finds a circle and an aliased module path.
#[test]
fn the_checker_sees_circles_and_aliases() {
    let code = code_of(
        "use super::{a::{self, B}, ui};\nfn f() { ui::layout::g(); super::c::h(); }\n// super::d::x\n#[cfg(test)]\nmod tests { use super::e::F; }",
    );
    let mut aliases = BTreeMap::new();
    let module = vec!["console".to_string(), "m".to_string()];
    let mut got: Vec<Vec<String>> = Vec::new();
    let paths = paths_of(&code);
    for p in &paths {
        if p.last().is_some_and(|s| s == "ui") {
            aliases.insert("ui".to_string(), vec!["console".into(), "ui".into()]);
        }
    }
    for p in &paths {
        if let Some(abs) = absolute(&module, p, &aliases) {
            got.push(abs);
        }
    }
    let got: BTreeSet<String> = got.iter().map(|p| p.join("::")).collect();
    let want: BTreeSet<String> = [
        "console::a",
        "console::a::B",
        "console::ui",
        "console::ui::layout::g",
        "console::c::h",
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
}
