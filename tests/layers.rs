//! The module graph: `src/lib.rs` lists the modules in the order the data flows, and each module
//! may use only the modules listed above it. That rules out cycles and arrows from an earlier stage
//! to a later one; this test reads every `crate::` path in `src/` and fails on any that break it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules in `lib.rs` order.
fn modules() -> Vec<String> {
    std::fs::read_to_string(src().join("lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// Every `.rs` file of module `name` (`src/name.rs` and everything under `src/name/`).
fn files(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let single = src().join(format!("{name}.rs"));
    if single.exists() {
        out.push(single);
    }
    let mut dirs = vec![src().join(name)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The top-level modules a file's code names through `crate::` (comments, where docs may point
/// anywhere, are left out).
fn uses(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|line| {
            line.match_indices("crate::").map(move |(i, m)| {
                line[i + m.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
        })
        .collect()
}

#[test]
fn modules_use_only_modules_listed_above_them() {
    let order = modules();
    assert!(order.len() > 10, "{order:?}");
    let rank = |m: &str| order.iter().position(|o| o == m);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, module) in order.iter().enumerate() {
        let paths = files(module);
        assert!(!paths.is_empty(), "no file for module {module}");
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for used in uses(&text) {
                match rank(&used) {
                    Some(j) if j < i || used == *module => {}
                    _ => wrong
                        .entry(format!("{} ({module})", path.display()))
                        .or_default()
                        .push(used),
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "modules that use a module listed after them in src/lib.rs: {wrong:#?}"
    );
}

#[test]
fn the_pure_core_does_no_io() {
    // Extraction, normalization, merging, rendering and the pipeline take data and return data.
    let io = [
        "tokio::",
        "reqwest",
        "rusqlite",
        "std::fs",
        "std::net",
        "Utc::now",
        "SystemTime::now",
    ];
    for module in [
        "model",
        "text",
        "date",
        "filter",
        "extract",
        "normalize",
        "merge",
        "render",
        "pipeline",
    ] {
        // Unit tests (`#[cfg(test)]` blocks and `tests.rs` files) may use whatever they need.
        for path in files(module)
            .into_iter()
            .filter(|p| !p.ends_with("tests.rs"))
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for word in io {
                assert!(!code.contains(word), "{} uses {word}", path.display());
            }
        }
    }
}
