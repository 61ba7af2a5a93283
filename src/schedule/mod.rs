//! When sources and merges run in the daemon: cron expressions or fixed intervals, with jitter so
//! a hundred sources do not fire in the same second, and exponential backoff after failures so a
//! broken site is not hammered.
//!
//! [`Schedule`] is the pure arithmetic; [`scheduler`] drives jobs with it.

pub mod scheduler;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A schedule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not a crontab line.
    #[error("invalid cron expression {expr:?}: {why}")]
    Cron {
        /// As written.
        expr: String,
        /// What the parser said.
        why: String,
    },
    /// Not an interval.
    #[error("invalid interval {text:?}: {why}; write e.g. \"30m\" or \"1h\"")]
    Interval {
        /// As written.
        text: String,
        /// What the parser said.
        why: String,
    },
    /// Under a second: a busy loop, not a schedule.
    #[error("interval {0:?} is shorter than a second")]
    TooShort(String),
}

/// How often a job runs.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// A crontab expression (5 fields; a 6th leading seconds field is accepted), in UTC.
    Cron(Box<croner::Cron>),
    /// A fixed interval after the previous run ended.
    Every(Duration),
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Schedule::Cron(a), Schedule::Cron(b)) => {
                a.pattern.to_string() == b.pattern.to_string()
            }
            (Schedule::Every(a), Schedule::Every(b)) => a == b,
            _ => false,
        }
    }
}

impl Default for Schedule {
    /// Every 30 minutes.
    fn default() -> Self {
        Schedule::Every(Duration::from_secs(30 * 60))
    }
}

impl Schedule {
    /// Parses a crontab expression.
    pub fn cron(expr: &str) -> Result<Schedule, ScheduleError> {
        croner::Cron::from_str(expr.trim())
            .map(|c| Schedule::Cron(Box::new(c)))
            .map_err(|e| ScheduleError::Cron {
                expr: expr.to_string(),
                why: e.to_string(),
            })
    }

    /// Parses an interval like "30m", "1h 30m", "90s".
    pub fn every(text: &str) -> Result<Schedule, ScheduleError> {
        let d = humantime::parse_duration(text.trim()).map_err(|e| ScheduleError::Interval {
            text: text.to_string(),
            why: e.to_string(),
        })?;
        if d < Duration::from_secs(1) {
            return Err(ScheduleError::TooShort(text.to_string()));
        }
        Ok(Schedule::Every(d))
    }

    /// An interval already read as a duration (the config's `every = 3600` or `"1h"`).
    pub fn every_of(d: Duration) -> Result<Schedule, ScheduleError> {
        if d < Duration::from_secs(1) {
            return Err(ScheduleError::TooShort(
                humantime::format_duration(d).to_string(),
            ));
        }
        Ok(Schedule::Every(d))
    }

    /// How long after `now` (when the previous run ended) the next run is due.
    pub fn delay_after(&self, now: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Every(d) => *d,
            Schedule::Cron(c) => c
                .find_next_occurrence(&now, false)
                .ok()
                .and_then(|next| (next - now).to_std().ok())
                .unwrap_or(Duration::from_secs(3600)),
        }
    }

    /// The typical time between runs: what jitter, backoff and cache lifetimes scale with.
    pub fn interval(&self, now: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Every(d) => *d,
            Schedule::Cron(c) => {
                let first = c.find_next_occurrence(&now, false).ok();
                let second = first.and_then(|f| c.find_next_occurrence(&f, false).ok());
                match (first, second) {
                    (Some(a), Some(b)) => (b - a).to_std().unwrap_or(Duration::from_secs(3600)),
                    _ => Duration::from_secs(3600),
                }
            }
        }
    }
}

/// A random delay in `[0, fraction × interval]`, so jobs with the same schedule spread out.
pub fn jitter(interval: Duration, fraction: f64) -> Duration {
    interval.mul_f64(fraction.clamp(0.0, 1.0) * fastrand::f64())
}

/// The wait after `failures` consecutive failures: the interval doubled per failure, capped at
/// `cap` (or the interval itself when that is longer).
pub fn backoff(interval: Duration, failures: u32, cap: Duration) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(20));
    interval.saturating_mul(factor).min(cap.max(interval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_and_every() {
        let now: DateTime<Utc> = "2026-11-28T16:55:10Z".parse().unwrap();
        let c = Schedule::cron("*/30 * * * *").unwrap();
        assert_eq!(c.delay_after(now), Duration::from_secs(4 * 60 + 50));
        assert_eq!(c.interval(now), Duration::from_secs(30 * 60));
        let e = Schedule::every("1h 30m").unwrap();
        assert_eq!(e.delay_after(now), Duration::from_secs(5400));
        assert!(
            Schedule::cron("61 * * * *")
                .unwrap_err()
                .to_string()
                .contains("invalid cron expression")
        );
        assert!(Schedule::cron("* * * *").is_err(), "four fields");
        assert!(
            Schedule::every("soon")
                .unwrap_err()
                .to_string()
                .contains("invalid interval")
        );
    }

    #[test]
    fn jitter_stays_within_its_share() {
        let i = Duration::from_secs(600);
        for _ in 0..1000 {
            assert!(jitter(i, 0.1) <= Duration::from_secs(60));
        }
        assert_eq!(jitter(i, 0.0), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let i = Duration::from_secs(60);
        let cap = Duration::from_secs(600);
        let waits: Vec<u64> = (0..6).map(|f| backoff(i, f, cap).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 600, 600]);
        // A cap below the interval never makes runs more frequent than scheduled.
        assert_eq!(
            backoff(Duration::from_secs(7200), 3, cap),
            Duration::from_secs(7200)
        );
    }
}
