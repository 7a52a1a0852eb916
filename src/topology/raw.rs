//! The topology file as written: serde structs that refuse unknown keys, before validation.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use toml::Value;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTopology {
    pub name: Option<String>,
    pub description: Option<String>,
    /// An RFC 3339 string, or a TOML offset date-time.
    pub start: Option<Value>,
    pub duration: Option<DurationText>,
    pub step: Option<DurationText>,
    pub tick: Option<DurationText>,
    pub seed: Option<i64>,
    pub mode: Option<String>,
    pub max_events: Option<i64>,
    pub max_solves: Option<i64>,
    pub thresholds: Option<RawThresholds>,
    #[serde(default)]
    pub services: Ordered<RawService>,
    #[serde(default)]
    pub scenario: Vec<RawAction>,
    #[serde(default)]
    pub expect: Vec<RawExpect>,
    /// Read here without overrides; with them, on its own before they apply (see `read_variants`).
    #[serde(default)]
    pub variants: Ordered<RawVariant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawThresholds {
    pub impact: Option<f64>,
    pub severe: Option<f64>,
    pub mostly_recovered: Option<f64>,
    pub recovered: Option<f64>,
    pub recovery_band: Option<f64>,
    pub recovery_hold: Option<DurationText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawService {
    pub instances: Option<i64>,
    pub capacity: Option<RateText>,
    pub latency: Option<SpreadText>,
    pub queue: Option<i64>,
    pub queue_discipline: Option<String>,
    pub arrival_cv: Option<f64>,
    pub service_cv: Option<f64>,
    pub error_rate: Option<f64>,
    pub timeout: Option<DurationText>,
    pub startup: Option<SpreadText>,
    pub replace_failed: Option<bool>,
    pub threads: Option<Box<RawThreads>>,
    pub health_check: Option<Box<RawHealthCheck>>,
    pub load: Option<Box<RawLoad>>,
    pub peers: Option<Box<RawPeers>>,
    pub warmup: Option<Box<RawWarmup>>,
    pub memory: Option<Box<RawMemory>>,
    pub partitions: Option<i64>,
    pub routing: Option<Box<RawRouting>>,
    pub draining: Option<Box<RawDraining>>,
    pub serverless: Option<Box<RawServerless>>,
    pub autoscaling: Option<Box<RawAutoscaling>>,
    pub shedding: Option<Box<RawShedding>>,
    #[serde(default)]
    pub calls: Ordered<RawCall>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRouting {
    pub policy: Option<String>,
    pub ttl: Option<DurationText>,
    pub checker: Option<String>,
    pub interval: Option<DurationText>,
    pub unhealthy_threshold: Option<i64>,
    pub healthy_threshold: Option<i64>,
    pub fail_open: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDraining {
    pub deregistration_delay: Option<DurationText>,
    pub long_fraction: Option<f64>,
    pub long_latency: Option<DurationText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawShedding {
    pub order: Option<String>,
    pub deadline: Option<DurationText>,
    pub adaptive_limit: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAutoscaling {
    pub metric: Option<String>,
    pub target: Option<Value>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub scale_out_cooldown: Option<DurationText>,
    pub scale_in_cooldown: Option<DurationText>,
    pub metrics: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawServerless {
    pub concurrency_limit: Option<i64>,
    pub idle_expiry: Option<DurationText>,
    pub cold_start: Option<DurationText>,
    pub provisioned: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPool {
    pub size: Option<f64>,
    pub acquire_timeout: Option<DurationText>,
    pub leak: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSkew {
    pub zipf: Option<f64>,
    pub weights: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRequires {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPeers {
    pub per_peer: Option<f64>,
    pub base_threads: Option<i64>,
    pub learn: Option<DurationText>,
    pub cells: Option<i64>,
    pub cache_ttl: Option<DurationText>,
    pub expiry_spread: Option<DurationText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawWarmup {
    pub duration: Option<SpreadText>,
    pub source: Option<String>,
    pub store_capacity: Option<f64>,
    pub peer_share: Option<f64>,
    pub peer_cost: Option<f64>,
    pub deadline: Option<DurationText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMemory {
    pub limit: Option<SizeText>,
    pub base: Option<SizeText>,
    pub fail_at: Option<f64>,
    pub hard_limit: Option<SizeText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawThreads {
    pub workers: Option<i64>,
    pub os_limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHealthCheck {
    pub interval: Option<SpreadText>,
    pub timeout: Option<DurationText>,
    pub unhealthy_threshold: Option<i64>,
    pub healthy_threshold: Option<i64>,
    pub deep: Option<bool>,
}

/// A load of any kind: which keys a kind takes is checked in validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLoad {
    pub kind: Option<String>,
    pub rate: Option<RateText>,
    pub steps: Option<Vec<RawStep>>,
    pub from: Option<RateText>,
    pub to: Option<RateText>,
    pub start: Option<Value>,
    pub end: Option<Value>,
    pub mean: Option<RateText>,
    pub amplitude: Option<f64>,
    pub peak: Option<Value>,
    pub timeout: Option<DurationText>,
    pub noise: Option<f64>,
    pub arrivals: Option<String>,
    pub clients: Option<f64>,
    pub think: Option<DurationText>,
    pub segments: Option<Ordered<f64>>,
}

impl RawLoad {
    /// The keys given, besides `kind`.
    pub fn present(&self) -> Vec<&'static str> {
        let all = [
            ("rate", self.rate.is_some()),
            ("steps", self.steps.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("start", self.start.is_some()),
            ("end", self.end.is_some()),
            ("mean", self.mean.is_some()),
            ("amplitude", self.amplitude.is_some()),
            ("peak", self.peak.is_some()),
            ("timeout", self.timeout.is_some()),
            ("clients", self.clients.is_some()),
            ("think", self.think.is_some()),
        ];
        all.into_iter().filter(|(_, given)| *given).map(|(k, _)| k).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    pub at: Option<Value>,
    pub rate: Option<RateText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCall {
    pub kind: Option<String>,
    pub per_request: Option<f64>,
    pub timeout: Option<DurationText>,
    pub fallback: Option<bool>,
    pub priority: Option<i64>,
    pub need: Option<f64>,
    pub tolerance: Option<DurationText>,
    pub enabled: Option<bool>,
    pub cancel_on_timeout: Option<bool>,
    pub retries: Option<RawRetries>,
    pub buffer: Option<Box<RawBuffer>>,
    pub pool: Option<Box<RawPool>>,
    pub skew: Option<Box<RawSkew>>,
    pub weight: Option<f64>,
    pub failover: Option<i64>,
    pub breaker: Option<Box<RawBreaker>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBreaker {
    pub error_threshold: Option<f64>,
    pub window: Option<DurationText>,
    pub min_requests: Option<f64>,
    pub open_for: Option<DurationText>,
    pub probes: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBuffer {
    pub size: Option<f64>,
    pub when_full: Option<String>,
    pub item_size: Option<SizeText>,
    pub drain: Option<RateText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRetries {
    pub max: Option<i64>,
    pub backoff: Option<DurationText>,
    pub multiplier: Option<f64>,
    pub jitter: Option<String>,
    pub budget: Option<f64>,
    pub mode: Option<String>,
    pub quota: Option<f64>,
    pub max_backoff: Option<DurationText>,
}

/// A scenario entry of any action: which keys an action takes is checked in validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAction {
    pub at: Option<Value>,
    pub jitter: Option<SpreadText>,
    pub enabled: Option<bool>,
    pub action: Option<String>,
    pub note: Option<String>,
    pub service: Option<String>,
    pub count: Option<i64>,
    pub fraction: Option<f64>,
    #[serde(rename = "for")]
    pub for_: Option<DurationText>,
    pub latency: Option<SpreadText>,
    /// A fraction (inject-errors) or a rate string (rolling actions).
    pub rate: Option<Value>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub values: Option<Ordered<Value>>,
    pub batch: Option<i64>,
    pub pause: Option<DurationText>,
    pub error_rate: Option<f64>,
    pub capacity_factor: Option<f64>,
    pub when_full: Option<String>,
    pub over: Option<DurationText>,
    pub class: Option<String>,
    pub rejects: Option<Vec<String>>,
    pub requires: Option<RawRequires>,
}

impl RawAction {
    /// The keys given, besides `at`, `action` and `note`.
    pub fn present(&self) -> Vec<&'static str> {
        let all = [
            ("service", self.service.is_some()),
            ("count", self.count.is_some()),
            ("fraction", self.fraction.is_some()),
            ("for", self.for_.is_some()),
            ("latency", self.latency.is_some()),
            ("rate", self.rate.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("values", self.values.is_some()),
            ("batch", self.batch.is_some()),
            ("pause", self.pause.is_some()),
            ("error-rate", self.error_rate.is_some()),
            ("capacity-factor", self.capacity_factor.is_some()),
            ("when-full", self.when_full.is_some()),
            ("over", self.over.is_some()),
            ("class", self.class.is_some()),
            ("rejects", self.rejects.is_some()),
        ];
        all.into_iter().filter(|(_, given)| *given).map(|(k, _)| k).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawExpect {
    pub service: Option<String>,
    pub kind: Option<String>,
    pub at: Option<Value>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawVariant {
    pub description: Option<String>,
    pub set: Option<Ordered<Value>>,
}

/// A table read as its entries in file order.
#[derive(Debug)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
                // As serde's own collections do, trust the hint only so far.
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

macro_rules! text_type {
    ($name:ident, $expecting:literal) => {
        #[doc = concat!("A string to be read as ", $expecting, ".")]
        #[derive(Debug, Clone)]
        pub struct $name(pub String);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct TextVisitor;
                impl Visitor<'_> for TextVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name(v.to_string()))
                    }
                }
                deserializer.deserialize_str(TextVisitor)
            }
        }
    };
}

text_type!(DurationText, "a duration string like \"10s\"");
text_type!(RateText, "a rate string like \"500/s\"");
text_type!(SizeText, "a size string like \"512MB\"");

/// A duration written either as a string (`"8m"`) or as a distribution table
/// (`{ dist = "lognormal", median = "8m", sigma = 0.3 }`).
#[derive(Debug, Clone)]
pub enum SpreadText {
    Fixed(DurationText),
    Dist(Box<RawDist>),
}

/// A distribution of durations: which keys a `dist` takes is checked in validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDist {
    pub dist: Option<String>,
    pub value: Option<DurationText>,
    pub mean: Option<DurationText>,
    pub median: Option<DurationText>,
    pub sigma: Option<f64>,
    pub min: Option<DurationText>,
    pub max: Option<DurationText>,
    pub sd: Option<DurationText>,
    /// `[[quantile, "duration"], ...]` of an empirical distribution.
    pub points: Option<Vec<(f64, DurationText)>>,
}

impl<'de> Deserialize<'de> for SpreadText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpreadVisitor;
        impl<'de> Visitor<'de> for SpreadVisitor {
            type Value = SpreadText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration string like \"10s\" or a distribution like { dist = \"exponential\", mean = \"10s\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SpreadText, E> {
                Ok(SpreadText::Fixed(DurationText(v.to_string())))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<SpreadText, M::Error> {
                RawDist::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|d| SpreadText::Dist(Box::new(d)))
            }
        }
        deserializer.deserialize_any(SpreadVisitor)
    }
}
