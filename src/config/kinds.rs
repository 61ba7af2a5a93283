//! The kinds of value config keys take beyond strings and booleans: numbers, whole numbers and
//! durations, each read with an error that says what the key takes, and each described in the
//! JSON Schema (`tagfeed schema`).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Visitor};

/// A number, whole or not (`min_ratio = 0.3`, `jitter = 0.1`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub f64);

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        self.0
    }
}

/// A whole number (`max_items = 50`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Int(pub i64);

/// A duration in any duration key: seconds as a number (`30`, `0.5`) or text (`"30s"`,
/// `"1h 30m"`), so every such key takes both, documented once in the README.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dur(pub Duration);

/// How each kind of value is described when the config gives something else; serde puts it after
/// "invalid type: string \"fifty\", expected …".
const NUMBER: &str = "a number, e.g. 0.5";
const WHOLE: &str = "a whole number, e.g. 50";
pub(crate) const DURATION: &str =
    "a duration: seconds as a number (30) or text such as \"30s\", \"10m\" or \"1h 30m\"";

struct Visit<T>(&'static str, std::marker::PhantomData<T>);

impl<'de> Visitor<'de> for Visit<Num> {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num(v))
    }
}

impl<'de> Visitor<'de> for Visit<Int> {
    type Value = Int;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        Ok(Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        i64::try_from(v)
            .map(Int)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
}

impl<'de> Visitor<'de> for Visit<Dur> {
    type Value = Dur;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
        match u64::try_from(v) {
            Ok(secs) => Ok(Dur(Duration::from_secs(secs))),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
        Ok(Dur(Duration::from_secs(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
        Duration::try_from_secs_f64(v)
            .map(Dur)
            .map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
        let t = v.trim();
        if let Ok(secs) = t.parse::<f64>() {
            return self.visit_f64(secs);
        }
        humantime::parse_duration(t)
            .map(Dur)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

macro_rules! deserialize_with {
    ($t:ty, $what:expr, $how:ident) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.$how(Visit::<$t>($what, std::marker::PhantomData))
            }
        }
    };
}

deserialize_with!(Num, NUMBER, deserialize_f64);
deserialize_with!(Int, WHOLE, deserialize_i64);
deserialize_with!(Dur, DURATION, deserialize_any);

impl JsonSchema for Num {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "number" })
    }
}

impl JsonSchema for Int {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Integer".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer" })
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Seconds as a number (30, 0.5) or text (\"30s\", \"10m\", \"1h 30m\")",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*([0-9.]+\\s*[a-zA-Z]*\\s*)+$" }
            ]
        })
    }
}
