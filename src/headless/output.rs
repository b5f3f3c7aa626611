//! How the headless commands print: a table or CSV (untrusted text made
//! visible; CSV cells also neutralised against formulas) or JSON (exact
//! strings, hidden characters `\u`-escaped); and a reader that went away
//! (`| head`) ends them quietly.

use std::io::Write;

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::text::visible;

pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    crate::text::write_json_pretty(&mut *out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A table (columns padded to their widest cell, every cell through
/// [`visible`]) or CSV ([`crate::columns::write_csv`]).
pub fn write_rows(
    out: &mut impl Write,
    format: OutputFormat,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    if format == OutputFormat::Csv {
        crate::columns::write_csv(&mut *out, header, rows.iter().cloned())?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| visible(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in &rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    out.flush()?;
    Ok(())
}

/// Whether `e` is a write to a reader that went away.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| io_kind(c) == Some(std::io::ErrorKind::BrokenPipe))
}

/// The kind of the IO error inside `e`, as io, CSV and JSON errors wrap it.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return Some(io.kind());
    }
    if let Some(csv::ErrorKind::Io(io)) = e.downcast_ref::<csv::Error>().map(|e| e.kind()) {
        return Some(io.kind());
    }
    e.downcast_ref::<serde_json::Error>()
        .and_then(|e| e.io_error_kind())
}

/// A reader that went away (`| head`) is not an error.
pub fn ignore_broken_pipe(r: anyhow::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// An error's text for a terminal: each line with control, bidi and
/// zero-width characters made visible (the text may come from the network).
pub fn error_text(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .map(|l| visible(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_and_show_controls() {
        let mut out = Vec::new();
        write_rows(
            &mut out,
            OutputFormat::Table,
            &["A", "Bee"],
            &[vec!["long-value".into(), "x\u{1b}[2J".into()]],
        )
        .expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "A           Bee\nlong-value  x⟨U+001B⟩[2J\n"
        );
    }

    #[test]
    fn error_lines_show_controls_and_keep_line_breaks() {
        let e = anyhow::anyhow!("bad\u{7}name\nsecond line");
        assert_eq!(error_text(&e), "bad⟨U+0007⟩name\nsecond line");
    }
}
