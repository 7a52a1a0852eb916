//! Validation of `[[scenario]]` actions and `[[expect]]` milestones.

use super::services::when_full;
use super::values::{Ctx, Seg, describe, sub};
use crate::model::dist::Dist;
use crate::model::{
    Action, ActionKind, Amount, DepId, DepKind, Dependency, FaultKind, Pace, Service, ServiceId, Version, WhenFull,
};
use crate::time::{SimTime, Span, parse_rate};
use crate::topology::error::Issue;
use crate::topology::keypath::KeyPath;
use crate::topology::raw::{RawAction, RawTopology, SpreadText};
use crate::topology::suggest::{did_you_mean, list};
use toml::Value;

/// A scenario `set` whose full parameters are computed after validation.
#[derive(Debug, Clone)]
pub struct PendingSet {
    /// Index in the sorted [`crate::model::Model::scenario`].
    pub model_index: usize,
    /// Index of the entry in the file's `[[scenario]]` list.
    pub raw_index: usize,
    /// The dotted keys and their values, as written.
    pub values: Vec<(String, Value)>,
}

const ACTIONS: [(&str, &[&str]); 14] = [
    ("crash", &["service", "count", "fraction"]),
    ("restart", &["service", "count", "fraction"]),
    ("lose-capacity", &["service", "fraction", "for", "count"]),
    ("inject-latency", &["service", "latency", "for", "count", "fraction"]),
    ("inject-errors", &["service", "rate", "for", "count", "fraction", "class"]),
    ("partition", &["from", "to", "for"]),
    ("scale-out", &["service", "count", "over"]),
    ("scale-in", &["service", "count", "over"]),
    ("set", &["values"]),
    ("rolling-restart", &["service", "rate", "batch", "pause", "count", "fraction"]),
    (
        "rolling-deploy",
        &[
            "service",
            "rate",
            "batch",
            "pause",
            "count",
            "fraction",
            "error-rate",
            "capacity-factor",
            "latency",
            "when-full",
            "rejects",
        ],
    ),
    ("repair", &["service"]),
    ("rollback", &["service"]),
    ("cancel", &["service"]),
];

/// Validates the scenario; returns it sorted by time (stable) and the `set` actions still to compute.
pub fn validate_scenario(
    ctx: &mut Ctx,
    raw: &RawTopology,
    services: &[Service],
    deps: &[Dependency],
) -> (Vec<Action>, Vec<PendingSet>) {
    let mut entries: Vec<(SimTime, usize, Action, Option<Values>)> = Vec::new();
    for (i, a) in raw.scenario.iter().enumerate() {
        let base = [Seg::from("scenario"), Seg::from(i)];
        if let Some((at, kind, label, values)) = action(ctx, &base, a, services, deps) {
            let label = a.note.clone().unwrap_or(label);
            // A plain duration is a fixed delay: the same as { dist = "fixed", value = ... }.
            let jitter = a.jitter.as_ref().map(|j| match ctx.spread(&sub(&base, "jitter"), Some(j), "0s", false) {
                (_, Some(dist)) => dist,
                (span, None) => Dist::Fixed { value_s: span.secs() },
            });
            let requires = a.requires.as_ref().and_then(|r| requires(ctx, &sub(&base, "requires"), r, services, deps));
            if a.enabled != Some(false) {
                entries.push((at, i, Action { at, jitter, kind, label, requires }, values));
            } else {
                let when = a.at.as_ref().map_or(String::new(), |v| format!(" at {}", v.as_str().unwrap_or("?")));
                ctx.disabled.push(format!("scenario.{i} `{label}`{when}"));
            }
        }
    }
    entries.sort_by_key(|(at, i, _, _)| (*at, *i));
    let mut pending = Vec::new();
    let mut actions = Vec::new();
    for (model_index, (_, raw_index, action, values)) in entries.into_iter().enumerate() {
        if let Some(values) = values {
            pending.push(PendingSet { model_index, raw_index, values });
        }
        actions.push(action);
    }
    (actions, pending)
}

type Values = Vec<(String, Value)>;
type Checked = (SimTime, ActionKind, String, Option<Values>);

fn action(ctx: &mut Ctx, base: &[Seg], a: &RawAction, services: &[Service], deps: &[Dependency]) -> Option<Checked> {
    let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
    let at = ctx.required(&sub(base, "at"), a.at.as_ref(), "\"+1h\"").and_then(|v| ctx.time(&sub(base, "at"), v));
    let verb = ctx.required(&sub(base, "action"), a.action.as_ref(), "\"crash\"")?;
    let Some((verb, keys)) = ACTIONS.iter().find(|(n, _)| n == verb) else {
        ctx.push(
            Issue::at(&sub(base, "action"), format!("unknown action `{verb}`{}", did_you_mean(verb, &names)))
                .help(format!("use one of {}", list(&names))),
        );
        return None;
    };
    let before = ctx.issues.len();
    for key in a.present() {
        if !keys.contains(&key) {
            ctx.push(
                Issue::at_key(
                    &sub(base, key),
                    format!("a `{verb}` action takes no `{key}`{}", did_you_mean(key, *keys)),
                )
                .help(format!("a `{verb}` action takes {}", list(keys))),
            );
        }
    }
    let svc = |ctx: &mut Ctx, key: &str, name: Option<&String>| -> Option<ServiceId> {
        let name = ctx.required(&sub(base, key), name, "\"db\"")?;
        service_id(ctx, &sub(base, key), name, services)
    };
    let span_for = |ctx: &mut Ctx| ctx.opt_span(&sub(base, "for"), a.for_.as_ref());
    let mut values = None;
    let kind = match *verb {
        "crash" | "restart" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let amount = amount(ctx, base, a, Amount::All);
            let service = service?;
            if *verb == "crash" {
                ActionKind::Crash { service, amount }
            } else {
                ActionKind::Restart { service, amount }
            }
        }
        "lose-capacity" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let fraction = ctx
                .required(&sub(base, "fraction"), a.fraction.as_ref(), "0.5")
                .map(|f| ctx.fraction(&sub(base, "fraction"), *f, false));
            let (service, fraction, duration) = (service?, fraction?, span_for(ctx));
            match a.count {
                Some(c) => {
                    let amount = Amount::Count(ctx.int(&sub(base, "count"), Some(c), 1, 1, u32::MAX as i64) as u32);
                    ActionKind::Fault { service, amount, effect: FaultKind::LoseCapacity(fraction), duration }
                }
                None => ActionKind::LoseCapacity { service, fraction, duration },
            }
        }
        "inject-latency" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let latency = ctx
                .required(&sub(base, "latency"), a.latency.as_ref(), "\"2s\"")
                .map(|l| ctx.latency(&sub(base, "latency"), Some(l), "1s", true));
            let (latency, dist) = latency?;
            let (service, duration) = (service?, span_for(ctx));
            match amount(ctx, base, a, Amount::All) {
                Amount::All => ActionKind::InjectLatency { service, latency, dist, duration },
                amount => ActionKind::Fault { service, amount, effect: FaultKind::Latency(latency), duration },
            }
        }
        "inject-errors" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let rate = match ctx.required(&sub(base, "rate"), a.rate.as_ref(), "0.1")? {
                Value::Float(f) => ctx.fraction(&sub(base, "rate"), *f, true),
                Value::Integer(n) => ctx.fraction(&sub(base, "rate"), *n as f64, true),
                other => {
                    ctx.push(Issue::at(
                        &sub(base, "rate"),
                        format!("expected a fraction of requests between 0 and 1, found {}", describe(other)),
                    ));
                    return None;
                }
            };
            let client = match a.class.as_deref() {
                None | Some("5xx") => false,
                Some("4xx") => true,
                Some(other) => {
                    ctx.push(Issue::at(&sub(base, "class"), format!("unknown error class `{other}`")).help(
                        "use \"5xx\" (server errors, retried; the default) or \"4xx\" (client errors, not retried)",
                    ));
                    false
                }
            };
            let (service, duration) = (service?, span_for(ctx));
            match amount(ctx, base, a, Amount::All) {
                Amount::All if !client => ActionKind::InjectErrors { service, rate, duration },
                amount => ActionKind::Fault { service, amount, effect: FaultKind::Errors { rate, client }, duration },
            }
        }
        "partition" => {
            let from = svc(ctx, "from", a.from.as_ref());
            let to = svc(ctx, "to", a.to.as_ref());
            let (from, to) = (from?, to?);
            let Some(dep) = deps.iter().position(|d| d.caller == from && d.callee == to) else {
                let (f, t) = (&services[from.0].name, &services[to.0].name);
                ctx.push(
                    Issue::at(&sub(base, "to"), format!("`{f}` does not call `{t}`, so there is no dependency to partition"))
                        .help(format!("partitions cut declared calls: declare `[services.{f}.calls.{t}]`, or pick a service `{f}` calls")),
                );
                return None;
            };
            ActionKind::Partition { dep: DepId(dep), duration: span_for(ctx) }
        }
        "scale-out" | "scale-in" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let count = ctx
                .required(&sub(base, "count"), a.count.as_ref(), "2")
                .map(|c| ctx.int(&sub(base, "count"), Some(*c), 1, 1, u32::MAX as i64) as u32);
            let over = ctx.span(&sub(base, "over"), a.over.as_ref(), "0s", false);
            let (service, count) = (service?, count?);
            if *verb == "scale-out" {
                ActionKind::ScaleOut { service, count, over }
            } else {
                ActionKind::ScaleIn { service, count, over }
            }
        }
        "set" => {
            let given =
                ctx.required(&sub(base, "values"), a.values.as_ref(), "{ \"services.db.threads.workers\" = 400 }")?;
            let mut flat = Vec::new();
            for (key, value) in &given.0 {
                flatten(key, value, &mut flat);
            }
            if flat.is_empty() {
                ctx.push(
                    Issue::at(&sub(base, "values"), "a `set` action changes nothing")
                        .help("give the keys to change, like { \"services.db.threads.workers\" = 400 }"),
                );
            }
            for (key, _) in &flat {
                if !key.starts_with("services.") {
                    ctx.push(
                        Issue::at(&sub(base, "values"), format!("a scenario `set` can change only services and their calls, not `{key}`"))
                            .help("write keys under `services.`, like \"services.db.threads.workers\"; use `--set` or a variant for the rest"),
                    );
                }
            }
            let overrides = flat.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
            values = Some(flat);
            ActionKind::Set { overrides, services: Vec::new(), deps: Vec::new() }
        }
        "rolling-restart" | "rolling-deploy" => {
            let service = svc(ctx, "service", a.service.as_ref());
            let amount = amount(ctx, base, a, Amount::All);
            let pace = pace(ctx, base, a);
            let mut version = (*verb == "rolling-deploy").then(|| version(ctx, base, a));
            if let (Some(v), Some(names)) = (version.as_mut(), a.rejects.as_ref()) {
                v.rejects = super::resilience::segment_bits(ctx, &sub(base, "rejects"), names);
            }
            let service = service?;
            if let Some(Version { when_full: Some(w), .. }) = version {
                deploy_when_full(ctx, &sub(base, "when-full"), w, service, services, deps);
            }
            ActionKind::Rolling { service, amount, pace: pace?, version }
        }
        "rollback" | "cancel" => {
            let service = svc(ctx, "service", a.service.as_ref())?;
            ActionKind::Rollback { service, back: *verb == "rollback" }
        }
        _ => ActionKind::Repair {
            service: match &a.service {
                Some(name) => Some(service_id(ctx, &sub(base, "service"), name, services)?),
                None => None,
            },
        },
    };
    if ctx.issues.len() != before {
        return None;
    }
    let label = label(verb, &kind, a, services, deps);
    Some((at?, kind, label, values))
}

/// The dependency an action needs reachable before it can be carried out.
fn requires(
    ctx: &mut Ctx,
    base: &[Seg],
    r: &crate::topology::raw::RawRequires,
    services: &[Service],
    deps: &[Dependency],
) -> Option<DepId> {
    let from = ctx.required(&sub(base, "from"), r.from.as_ref(), "\"ops\"");
    let to = ctx.required(&sub(base, "to"), r.to.as_ref(), "\"app\"");
    let from = service_id(ctx, &sub(base, "from"), from?, services);
    let to = service_id(ctx, &sub(base, "to"), to?, services);
    let (from, to) = (from?, to?);
    let found = deps.iter().position(|d| d.caller == from && d.callee == to).map(DepId);
    if found.is_none() {
        let (f, t) = (&services[from.0].name, &services[to.0].name);
        ctx.push(
            Issue::at(&sub(base, "to"), format!("`{f}` does not call `{t}`: there is no path to require"))
                .help(format!("declare the access path as `[services.{f}.calls.{t}]` with `kind = \"control\"`")),
        );
    }
    found
}

/// Flattens `{ services = { db = { queue = 5 } } }` (unquoted dotted keys) into `services.db.queue`.
fn flatten(key: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Table(t) => t.iter().for_each(|(k, v)| flatten(&format!("{key}.{k}"), v, out)),
        _ => out.push((key.to_string(), value.clone())),
    }
}

pub(super) fn service_id(ctx: &mut Ctx, path: &[Seg], name: &str, services: &[Service]) -> Option<ServiceId> {
    if ctx.service_ids.is_empty() {
        ctx.service_ids = services.iter().enumerate().map(|(i, s)| (s.name.clone(), ServiceId(i))).collect();
    }
    let found = ctx.service_ids.get(name).copied();
    if found.is_none() {
        let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
        ctx.push(
            Issue::at(path, format!("no service `{name}`{}", did_you_mean(name, &names)))
                .help(format!("the services are {}", list(&names))),
        );
    }
    found
}

fn amount(ctx: &mut Ctx, base: &[Seg], a: &RawAction, default: Amount) -> Amount {
    match (a.count, a.fraction) {
        (Some(_), Some(_)) => {
            ctx.push(
                Issue::at_key(&sub(base, "fraction"), "give `count` or `fraction`, not both")
                    .help("remove one of them"),
            );
            default
        }
        (Some(c), None) => Amount::Count(ctx.int(&sub(base, "count"), Some(c), 1, 1, u32::MAX as i64) as u32),
        (None, Some(f)) => Amount::Fraction(ctx.fraction(&sub(base, "fraction"), f, false)),
        (None, None) => default,
    }
}

fn pace(ctx: &mut Ctx, base: &[Seg], a: &RawAction) -> Option<Pace> {
    match (&a.rate, a.batch) {
        (Some(_), Some(_)) | (None, None) => {
            let both = a.rate.is_some();
            let message = if both { "give `rate` or `batch`, not both" } else { "give a pace: `rate` or `batch`" };
            let target = if both { sub(base, "batch") } else { KeyPath::of(base) };
            ctx.push(Issue::at(&target, message).help(
                "restart one at a time with `rate = \"300/h\"`, or in groups with `batch = 10` and `pause = \"5m\"`",
            ));
            None
        }
        (Some(rate), None) => {
            if a.pause.is_some() {
                ctx.push(
                    Issue::at_key(&sub(base, "pause"), "`pause` applies to batches, not to a `rate`")
                        .help("remove `pause`, or use `batch` instead of `rate`"),
                );
            }
            match rate {
                Value::String(text) => match parse_rate(text) {
                    Ok(r) if r > 0.0 => Some(Pace::Rate(r)),
                    Ok(_) => {
                        ctx.push(
                            Issue::at(&sub(base, "rate"), format!("must be more than 0, found \"{text}\""))
                                .help("write a rate like \"300/h\""),
                        );
                        None
                    }
                    Err(e) => {
                        ctx.push(
                            Issue::at(&sub(base, "rate"), e).help("write instances per unit of time, like \"300/h\""),
                        );
                        None
                    }
                },
                other => {
                    ctx.push(Issue::at(
                        &sub(base, "rate"),
                        format!("expected a rate string like \"300/h\", found {}", describe(other)),
                    ));
                    None
                }
            }
        }
        (None, Some(batch)) => {
            let size = ctx.int(&sub(base, "batch"), Some(batch), 1, 1, u32::MAX as i64) as u32;
            let pause = ctx
                .required(&sub(base, "pause"), a.pause.as_ref(), "\"5m\"")
                .map(|p| ctx.span(&sub(base, "pause"), Some(p), "0s", false))?;
            Some(Pace::Batches { size, pause })
        }
    }
}

fn version(ctx: &mut Ctx, base: &[Seg], a: &RawAction) -> Version {
    let error_rate = a.error_rate.map_or(0.0, |e| ctx.fraction(&sub(base, "error-rate"), e, true));
    let capacity_factor = a.capacity_factor.unwrap_or(1.0);
    if capacity_factor <= 0.0 {
        ctx.push(
            Issue::at(&sub(base, "capacity-factor"), format!("must be more than 0, found {capacity_factor}"))
                .help("1 keeps the capacity, 0.5 halves it"),
        );
    }
    let extra_latency = match a.latency.as_ref() {
        None => Span::ZERO,
        Some(SpreadText::Fixed(l)) => ctx.span(&sub(base, "latency"), Some(l), "0s", false),
        Some(SpreadText::Dist(_)) => {
            ctx.push(
                Issue::at(&sub(base, "latency"), "a version's extra latency is one duration, not a distribution")
                    .help("write a duration like \"50ms\""),
            );
            Span::ZERO
        }
    };
    let when_full = a.when_full.as_deref().and_then(|w| when_full(ctx, &sub(base, "when-full"), w));
    Version { error_rate, capacity_factor, extra_latency, when_full, rejects: 0 }
}

/// A new version's `when-full` needs buffered calls to act on, and memory to grow into.
fn deploy_when_full(
    ctx: &mut Ctx,
    path: &[Seg],
    w: WhenFull,
    service: ServiceId,
    services: &[Service],
    deps: &[Dependency],
) {
    let name = &services[service.0].name;
    let buffered = deps.iter().any(|d| d.caller == service && matches!(d.kind, DepKind::Buffered(_)));
    if !buffered {
        ctx.push(
            Issue::at(path, format!("`{name}` has no buffered calls, so `when-full` changes nothing"))
                .help(format!("remove `when-full`, or give `{name}` a call with `kind = \"buffered\"`")),
        );
    } else if w == WhenFull::Grow && services[service.0].memory.is_none() {
        ctx.push(
            Issue::at(path, format!("a buffer that grows fills memory, but `{name}` has no memory limit"))
                .help(format!("add [services.{name}.memory] with a limit, or use when-full = \"drop\"")),
        );
    }
}

/// ` over 10m` for a scaling action spread over time, as written.
fn over(a: &RawAction) -> String {
    match a.over.as_ref().map(|o| o.0.trim()) {
        Some(text) if crate::time::parse_span(text).is_ok_and(|s| !s.is_zero()) => format!(" over {text}"),
        _ => String::new(),
    }
}

fn label(verb: &str, kind: &ActionKind, a: &RawAction, services: &[Service], deps: &[Dependency]) -> String {
    let name = |id: &ServiceId| services[id.0].name.clone();
    let amount = |amount: &Amount| match amount {
        Amount::All => String::new(),
        Amount::Count(n) => format!(" ({n})"),
        Amount::Fraction(f) => format!(" ({}%)", f * 100.0),
    };
    let percent = |f: f64| format!("{}%", f * 100.0);
    match kind {
        ActionKind::Crash { service, amount: am } | ActionKind::Restart { service, amount: am } => {
            format!("{verb} {}{}", name(service), amount(am))
        }
        ActionKind::LoseCapacity { service, fraction, .. } => {
            format!("{verb} {} {}", name(service), percent(*fraction))
        }
        ActionKind::InjectLatency { service, latency, .. } => format!("{verb} {} +{latency}", name(service)),
        ActionKind::InjectErrors { service, rate, .. } => {
            format!("{verb} {} {}", name(service), percent(*rate))
        }
        ActionKind::Partition { dep, .. } => {
            format!("partition {} -> {}", name(&deps[dep.0].caller), name(&deps[dep.0].callee))
        }
        ActionKind::ScaleOut { service, count, .. } => format!("{verb} {} +{count}{}", name(service), over(a)),
        ActionKind::ScaleIn { service, count, .. } => format!("{verb} {} -{count}{}", name(service), over(a)),
        ActionKind::Set { overrides, .. } => {
            let parts: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("set {}", parts.join(", "))
        }
        ActionKind::Rolling { service, amount: am, pace, .. } => {
            let pace = match (pace, &a.rate) {
                (Pace::Rate(_), Some(Value::String(text))) => format!("at {}", text.trim()),
                (Pace::Rate(r), _) => format!("at {r}/s"),
                (Pace::Batches { size, pause }, _) => format!("in batches of {size} every {pause}"),
            };
            format!("{verb} {}{} {pace}", name(service), amount(am))
        }
        ActionKind::Fault { service, amount: am, effect, .. } => {
            let what = match effect {
                FaultKind::LoseCapacity(f) => percent(*f),
                FaultKind::Latency(l) => format!("+{l}"),
                FaultKind::Errors { rate, client } => {
                    format!("{}{}", percent(*rate), if *client { " 4xx" } else { "" })
                }
            };
            format!("{verb} {}{} {what}", name(service), amount(am))
        }
        ActionKind::Rollback { service, .. } => format!("{verb} {}", name(service)),
        ActionKind::Repair { service: Some(s) } => format!("repair {}", name(s)),
        ActionKind::Repair { service: None } => "repair all".to_string(),
    }
}
