//! `Iso8601Timestamp`: written as `2019-05-15T21:00:00.123Z`; read from that
//! or from epoch seconds, as botocore does.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(Utc::now())
    }

    pub fn from_millis(ms: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(ms).single().map(Timestamp)
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn to_iso(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Epoch(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| Timestamp(t.with_timezone(&Utc)))
                .map_err(|e| serde::de::Error::custom(format!("bad timestamp {s:?}: {e}"))),
            Raw::Epoch(secs) => Timestamp::from_millis((secs * 1000.0).round() as i64)
                .ok_or_else(|| serde::de::Error::custom("timestamp out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_with_millis_and_epoch_numbers() {
        let t: Timestamp = serde_json::from_str("\"2019-05-15T21:00:00.123Z\"").expect("iso");
        assert_eq!(
            serde_json::to_string(&t).expect("ser"),
            "\"2019-05-15T21:00:00.123Z\""
        );
        let e: Timestamp = serde_json::from_str("1557954000.123").expect("epoch");
        assert_eq!(e, t);
    }
}
