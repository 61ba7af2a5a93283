//! Checked numbers of the config: counts, durations and shares, each refused with the place
//! and what it takes.

use std::time::Duration;

use super::error::ConfigError;
use super::raw::{Num, S};

pub(super) fn positive(text: &str, v: Option<S<i64>>) -> Result<Option<usize>, ConfigError> {
    match v {
        None => Ok(None),
        Some(v) if *v.get_ref() >= 1 => Ok(Some(*v.get_ref() as usize)),
        Some(v) => Err(ConfigError::at(
            text,
            v.span(),
            format!("must be at least 1, not {}", v.get_ref()),
        )),
    }
}

pub(super) fn count(text: &str, v: Option<S<i64>>) -> Result<Option<usize>, ConfigError> {
    match v {
        Some(v) if *v.get_ref() < 0 => Err(ConfigError::at(
            text,
            v.span(),
            format!("must be 0 or more, not {}", v.get_ref()),
        )),
        other => Ok(other.map(|v| *v.get_ref() as usize)),
    }
}

pub(super) fn seconds(text: &str, v: Option<S<Num>>) -> Result<Option<Duration>, ConfigError> {
    match v {
        None => Ok(None),
        Some(v) => {
            let secs = v.get_ref().as_f64();
            Duration::try_from_secs_f64(secs).map(Some).map_err(|_| {
                ConfigError::at(text, v.span(), format!("{secs} is not a number of seconds"))
                    .help("write seconds as a number, e.g. 30 or 0.5")
            })
        }
    }
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
