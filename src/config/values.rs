//! Checked values of the config: counts, durations, shares and filters, each refused with the
//! place and what it takes.

use std::time::Duration;

use super::error::ConfigError;
use super::raw::{Dur, Int, Num, S};
use crate::date::{self, DateRules};
use crate::filter::Filter;

pub(super) fn positive(text: &str, v: Option<S<Int>>) -> Result<Option<usize>, ConfigError> {
    match v {
        None => Ok(None),
        Some(v) if v.get_ref().0 >= 1 => Ok(Some(v.get_ref().0 as usize)),
        Some(v) => Err(ConfigError::at(
            text,
            v.span(),
            format!("must be at least 1, not {}", v.get_ref().0),
        )),
    }
}

pub(super) fn count(text: &str, v: Option<S<Int>>) -> Result<Option<usize>, ConfigError> {
    match v {
        Some(v) if v.get_ref().0 < 0 => Err(ConfigError::at(
            text,
            v.span(),
            format!("must be 0 or more, not {}", v.get_ref().0),
        )),
        other => Ok(other.map(|v| v.get_ref().0 as usize)),
    }
}

/// A duration key: checked when read ([`Dur`] takes seconds or text).
pub(super) fn seconds(v: Option<S<Dur>>) -> Option<Duration> {
    v.map(|v| v.get_ref().0)
}

/// A share from 0 to 1 (`min_ratio = 0.3`).
pub(super) fn ratio(text: &str, v: Option<S<Num>>) -> Result<Option<f64>, ConfigError> {
    match v {
        None => Ok(None),
        Some(v) => {
            let r = v.get_ref().as_f64();
            if (0.0..=1.0).contains(&r) {
                Ok(Some(r))
            } else {
                Err(ConfigError::at(text, v.span(), format!("{r} is not a share from 0 to 1"))
                    .help("e.g. min_ratio = 0.3: fewer than 30 % of the last run's items fail the source"))
            }
        }
    }
}

/// `include`, `exclude` and `since`; `since` is read with the source's date rules (its time zone).
pub(super) fn filter(
    text: &str,
    include: Option<Vec<S<String>>>,
    exclude: Option<Vec<S<String>>>,
    since: Option<S<String>>,
    rules: &DateRules,
) -> Result<Filter, ConfigError> {
    let patterns = |list: Option<Vec<S<String>>>| -> Result<Vec<regex::Regex>, ConfigError> {
        list.unwrap_or_default()
            .into_iter()
            .map(|p| {
                regex::Regex::new(p.get_ref()).map_err(|e| {
                    let first = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    ConfigError::at(
                        text,
                        p.span(),
                        format!("invalid regular expression {:?}: {first}", p.get_ref()),
                    )
                    .help("patterns use Rust regex syntax; (?i) makes one case-insensitive")
                })
            })
            .collect()
    };
    let since = since
        .map(|s| {
            date::parse(s.get_ref(), rules).map_err(|e| {
                ConfigError::at(
                    text,
                    s.span(),
                    format!("cannot read date {:?}: {e}", s.get_ref()),
                )
                .help("write a date like \"2020-01-01\"")
            })
        })
        .transpose()?;
    Ok(Filter {
        include: patterns(include)?,
        exclude: patterns(exclude)?,
        since,
    })
}
