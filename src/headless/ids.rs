//! `--ids-from FILE`: the user ids of any file the tool itself wrote. A
//! plain list (one id a line; a line that is `#` or starts with `# ` is a
//! comment, so an id that starts with `#` is still read), or a CSV whose header has a
//! `UserId` column (`users --output csv`, the console's `:export csv`, an
//! `update-users --output csv` result), its cells read back through
//! [`crate::text::csv_uncell`].

use crate::text::csv_uncell;

/// The ids in `text`, in order (duplicates are the caller's to drop).
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !is_comment(l));
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    if header_cells(first)
        .iter()
        .any(|c| c == "UserId" || c == "PrimaryEmail")
    {
        return from_csv(text);
    }
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || is_comment(line) {
            continue;
        }
        if line.contains(',') {
            return Err(format!(
                "line {}: a comma, but the file has no header with a UserId column: give one id a line, or a CSV with a UserId column",
                n + 1
            ));
        }
        ids.push(line.to_string());
    }
    Ok(ids)
}

/// A comment line (trimmed): `#` alone or `# ` and a note. Any other line
/// is read, `#abc` too: an id is never dropped silently.
fn is_comment(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

fn header_cells(line: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    r.records()
        .next()
        .and_then(Result::ok)
        .map(|rec| rec.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default()
}

fn from_csv(text: &str) -> Result<Vec<String>, String> {
    let body: String = text
        .lines()
        .skip_while(|l| l.trim().is_empty() || is_comment(l.trim()))
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let header = r
        .headers()
        .map_err(|e| format!("the CSV header: {e}"))?
        .clone();
    // Ids first; else emails (the plan reads the account to find them).
    let column = header
        .iter()
        .position(|h| h == "UserId")
        .or_else(|| header.iter().position(|h| h == "PrimaryEmail"))
        .ok_or("the CSV header has no UserId or PrimaryEmail column")?;
    let mut ids = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("CSV: {e}"))?;
        if let Some(cell) = rec.get(column).filter(|c| !c.is_empty()) {
            ids.push(csv_uncell(cell).to_string());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hash_space_is_a_comment_and_an_id_starting_with_hash_is_kept() {
        let ids = parse("# a note\n#\n#u-1\nu-2\n#\tx\n").expect("ids");
        assert_eq!(ids, ["#u-1", "u-2", "#\tx"]);
    }

    #[test]
    fn a_plain_list_with_comments_and_blank_lines() {
        let ids = parse("\u{FEFF}# picked\nu-1\n\n  u-2  \n").expect("ids");
        assert_eq!(ids, ["u-1", "u-2"]);
        assert_eq!(parse("").expect("empty"), Vec::<String>::new());
    }

    #[test]
    fn a_csv_with_a_user_id_column_anywhere_and_neutralised_cells() {
        let text = "Status,UserId,ErrorMessage\nUpdated,u-1,\nFailed,'=cmd,\"a, b\"\n";
        assert_eq!(parse(text).expect("ids"), ["u-1", "=cmd"]);
        let users = crate::columns::csv_string(
            &crate::columns::USER_COLUMNS,
            [vec!["-u3", "a@example.com", "", "", "", "", ""]],
        )
        .expect("csv");
        assert_eq!(parse(&users).expect("ids"), ["-u3"]);
    }

    #[test]
    fn a_csv_without_user_ids_is_refused() {
        let e = parse("Email,Name\na@x,b\n").expect_err("no UserId");
        assert!(e.contains("UserId"), "{e}");
    }
}
