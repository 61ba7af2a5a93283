//! Config errors that point at the file, line, column and key, and say what to do.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// A config problem. Shown as `file:line:col: key: message` plus a `help:` line when there is advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file, once known (the pure parser does not know it).
    pub file: Option<PathBuf>,
    /// 1-based line and column, when the problem has a place in the file.
    pub location: Option<(usize, usize)>,
    /// Dotted key path, e.g. `source[1].select.item`.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to write instead, when there is advice.
    pub help: Option<String>,
}

impl std::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self
            .file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "config".into());
        write!(f, "{file}")?;
        if let Some((line, col)) = self.location {
            write!(f, ":{line}:{col}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// An error at byte offset `span.start` of `src`, naming the key found there.
    pub fn at(src: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        ConfigError {
            file: None,
            location: Some(line_col(src, span.start)),
            key: key_at(src, span.start),
            message: message.into(),
            help: None,
        }
    }

    /// Adds advice on how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Replaces the key path (when the span points at a table rather than the key).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..src.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The dotted key path at a byte offset, worked out from the table headers above it
/// (`[[source]]` headers are counted, so the second source is `source[1]`). For messages only.
pub(crate) fn key_at(src: &str, offset: usize) -> String {
    let offset = src.floor_char_boundary(offset.min(src.len()));
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut table = String::new();
    let header = |t: &str, counts: &mut Vec<(String, usize)>| -> Option<String> {
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = match counts.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((name.clone(), 0));
                    0
                }
            };
            return Some(format!("{name}[{n}]"));
        }
        let name = t
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())?
            .trim();
        let (first, rest) = name.split_once('.').unwrap_or((name, ""));
        let path = match counts.iter().find(|(k, _)| k == first) {
            Some((_, n)) if !rest.is_empty() => format!("{first}[{n}].{rest}"),
            Some((_, n)) => format!("{first}[{n}]"),
            None => name.to_string(),
        };
        Some(path)
    };
    for line in src[..line_start].lines() {
        if let Some(t) = header(line.trim(), &mut counts) {
            table = t;
        }
    }
    let line = src[line_start..].lines().next().unwrap_or("").trim();
    if let Some(t) = header(line, &mut counts) {
        return t;
    }
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_count_array_tables() {
        let src = "[output]\ndir = \"x\"\n[[source]]\nname = \"a\"\n[[source]]\nname = \"b\"\n\
                   [source.select]\nitem = \"li\"\n";
        let at = |needle: &str| key_at(src, src.find(needle).unwrap());
        assert_eq!(at("dir"), "output.dir");
        assert_eq!(at("name = \"a\""), "source[0].name");
        assert_eq!(at("name = \"b\""), "source[1].name");
        assert_eq!(at("item"), "source[1].select.item");
        assert_eq!(at("[source.select]"), "source[1].select");
        assert_eq!(line_col(src, src.find("item").unwrap()), (8, 1));
    }
}
