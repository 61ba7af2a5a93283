//! Config errors that point at the file, line, column and key, and say what to do.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// A config problem. Shown as `file:line:col: key: message` plus a `help:` line when there is advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file, once known (the pure parser does not know it).
    pub file: Option<Box<Path>>,
    /// 1-based line and column, when the problem has a place in the file.
    pub location: Option<(u32, u32)>,
    /// Dotted key path, e.g. `source[1].select.item`.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to write instead, when there is advice.
    pub help: Option<Box<str>>,
    /// Further problems in the same file, in file order: a user fixes them all in one go.
    pub also: Vec<ConfigError>,
}

impl std::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.one())?;
        for more in &self.also {
            write!(f, "\n{}", more.one())?;
        }
        Ok(())
    }
}

/// One problem alone, without those it carries.
pub struct One<'a>(&'a ConfigError);

impl fmt::Display for One<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        let file = e
            .file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "config".into());
        write!(f, "{file}")?;
        if let Some((line, col)) = e.location {
            write!(f, ":{line}:{col}")?;
        }
        if !e.key.is_empty() {
            write!(f, ": {}", e.key)?;
        }
        write!(f, ": {}", e.message)?;
        if let Some(help) = &e.help {
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
            location: Some({
                let (line, col) = line_col(src, span.start);
                (clamp(line), clamp(col))
            }),
            key: key_at(src, span.start),
            message: message.into(),
            help: None,
            also: Vec::new(),
        }
    }

    /// All of `errors` as one, in file order (the first carries the others); `None` for none.
    pub fn many(errors: Vec<ConfigError>) -> Option<ConfigError> {
        // Errors that carry others are taken apart: one flat list.
        let mut errors: Vec<ConfigError> = errors
            .into_iter()
            .flat_map(|mut e| {
                let also = std::mem::take(&mut e.also);
                std::iter::once(e).chain(also)
            })
            .collect();
        errors.sort_by_key(|e| e.location);
        errors.dedup();
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        first.also.extend(errors);
        Some(first)
    }

    /// Every problem this error reports, each shown alone: itself and the ones it carries.
    pub fn all(&self) -> impl Iterator<Item = One<'_>> {
        std::iter::once(self).chain(&self.also).map(One)
    }

    /// This problem alone, without those it carries.
    pub fn one(&self) -> One<'_> {
        One(self)
    }

    /// Names the file in this error and the ones it carries.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.into());
        for e in &mut self.also {
            e.file = Some(file.into());
        }
        self
    }

    /// Adds advice on how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    /// Replaces the key path (when the span points at a table rather than the key).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
}

/// The config's "did you mean": a candidate at least 70 % alike.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    crate::text::nearest(word, candidates, 0.7)
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
