//! The fault `blastsim blast` injects: its spelling on the command line and the scenario actions it becomes.

use crate::model::{Action, ActionKind, Amount, Model, ServiceId};
use crate::time::{SimTime, Span, parse_span};
use serde::Serialize;
use std::fmt;

/// What happens to each service in turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fault {
    /// Every instance stops answering; at the end of the fault they are repaired (restarted).
    Crash,
    /// Every request takes this much longer [ms].
    Latency { added_ms: u64 },
    /// This fraction of requests fail.
    Errors { rate: f64 },
    /// The service loses this fraction of its capacity.
    Capacity { lost: f64 },
}

impl Fault {
    /// Parses `crash`, `latency=2s`, `errors=0.5` or `capacity=0.5`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let help = "write crash, latency=DURATION (latency=2s), errors=FRACTION (errors=0.5) or capacity=FRACTION (capacity=0.5, half the capacity lost)";
        let (kind, value) = match text.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (text.trim(), None),
        };
        let fraction = |v: Option<&str>| -> Result<f64, String> {
            let v = v.ok_or_else(|| format!("--fault {kind} needs a fraction; {help}"))?;
            match v.parse::<f64>() {
                Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
                _ => Err(format!("--fault {text}: `{v}` is not a fraction in (0, 1]; {help}")),
            }
        };
        match kind {
            "crash" if value.is_none() => Ok(Fault::Crash),
            "crash" => Err(format!("--fault {text}: crash takes no value; {help}")),
            "latency" => {
                let v = value.ok_or_else(|| format!("--fault latency needs a duration; {help}"))?;
                let span = parse_span(v).map_err(|e| format!("--fault {text}: {e}; {help}"))?;
                if span.is_zero() {
                    return Err(format!("--fault {text}: the added latency must be more than 0; {help}"));
                }
                Ok(Fault::Latency { added_ms: span.0 })
            }
            "errors" => Ok(Fault::Errors { rate: fraction(value)? }),
            "capacity" => Ok(Fault::Capacity { lost: fraction(value)? }),
            _ => Err(format!("--fault {text}: unknown fault `{kind}`; {help}")),
        }
    }

    /// The scenario actions that inject this fault into `service` at `at` for `duration`.
    ///
    /// A crash is a `crash` of every instance and a `repair` of the service
    /// when the fault ends; the others are timed faults that end by themselves.
    pub fn actions(&self, service: ServiceId, at: SimTime, duration: Span) -> Vec<Action> {
        let action = |at: SimTime, kind: ActionKind, label: String| Action { at, jitter: None, kind, label };
        let d = Some(duration);
        match *self {
            Fault::Crash => vec![
                action(at, ActionKind::Crash { service, amount: Amount::All }, "blast: crash".into()),
                action(at.plus(duration), ActionKind::Repair { service: Some(service) }, "blast: repair".into()),
            ],
            Fault::Latency { added_ms } => vec![action(
                at,
                ActionKind::InjectLatency { service, latency: Span(added_ms), duration: d },
                format!("blast: +{}", Span(added_ms)),
            )],
            Fault::Errors { rate } => vec![action(
                at,
                ActionKind::InjectErrors { service, rate, duration: d },
                format!("blast: {}% errors", rate * 100.0),
            )],
            Fault::Capacity { lost } => vec![action(
                at,
                ActionKind::LoseCapacity { service, fraction: lost, duration: d },
                format!("blast: -{}% capacity", lost * 100.0),
            )],
        }
    }
}

impl fmt::Display for Fault {
    /// The command-line spelling, which [`Fault::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Crash => f.write_str("crash"),
            Fault::Latency { added_ms } => write!(f, "latency={}", Span(*added_ms)),
            Fault::Errors { rate } => write!(f, "errors={rate}"),
            Fault::Capacity { lost } => write!(f, "capacity={lost}"),
        }
    }
}

/// `model` with the fault injected into `service`: its own scenario kept or
/// emptied, the fault's actions added, and the actions in time order.
pub fn inject(model: &Model, fault: Fault, service: ServiceId, at: SimTime, duration: Span, keep: bool) -> Model {
    let mut m = base(model, keep);
    m.scenario.extend(fault.actions(service, at, duration));
    m.scenario.sort_by_key(|a| a.at);
    m
}

/// `model` without a fault: the baseline each faulted run is measured against.
pub fn base(model: &Model, keep: bool) -> Model {
    let mut m = model.clone();
    if !keep {
        m.scenario.clear();
    }
    m.expected.clear();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_print_back() {
        for text in ["crash", "latency=2s", "errors=0.5", "capacity=0.25", "latency=1m30s"] {
            let fault = Fault::parse(text).unwrap();
            assert_eq!(fault.to_string(), text);
        }
        assert_eq!(Fault::parse("latency=2s"), Ok(Fault::Latency { added_ms: 2000 }));
    }

    #[test]
    fn bad_faults_say_what_to_write() {
        for bad in
            ["", "melt", "crash=1", "latency", "latency=2", "latency=0s", "errors=2", "errors=-0.1", "capacity=x"]
        {
            let e = Fault::parse(bad).unwrap_err();
            assert!(e.contains("write crash, latency=DURATION"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_crash_is_repaired_when_the_fault_ends() {
        let acts = Fault::Crash.actions(ServiceId(2), SimTime(1000), Span(5000));
        assert_eq!(acts.len(), 2);
        assert!(matches!(acts[0].kind, ActionKind::Crash { service: ServiceId(2), amount: Amount::All }));
        assert_eq!(acts[1].at, SimTime(6000));
        assert!(matches!(acts[1].kind, ActionKind::Repair { service: Some(ServiceId(2)) }));
    }
}
