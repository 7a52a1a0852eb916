//! Validation of resilience keys: load segments, partitions, routing, draining, pools and key skew.

use super::values::{Ctx, Seg, sub};
use crate::model::ServiceId;
use crate::model::resilience::{
    Autoscaling, Breaker, CallExtras, Draining, MAX_SEGMENTS, Pool, RoutePolicy, Routing, ScaleMetric, Serverless,
    ServiceExtras, Shedding, Skew,
};
use crate::topology::error::Issue;
use crate::topology::raw::{RateText, RawAutoscaling, RawCall, RawRouting, RawService, RawTopology};
use crate::topology::suggest::{did_you_mean, list};
use toml::Value;

/// The client segments the loads name, in file order, each once.
pub fn segment_names(raw: &RawTopology) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, s) in &raw.services.0 {
        for (name, _) in s.load.iter().flat_map(|l| l.segments.iter()).flat_map(|o| o.0.iter()) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The segment bits of `names` (a version's `rejects`), reporting unknown ones.
pub fn segment_bits(ctx: &mut Ctx, path: &[Seg], names: &[String]) -> u32 {
    let segments = ctx.segments.clone();
    let known: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut bits = 0;
    for name in names {
        match known.iter().position(|k| k == name) {
            Some(i) => bits |= 1 << i,
            None => {
                let help = if known.is_empty() {
                    "name the segments of a load first, like `segments = { old-app = 0.3, new-app = 0.7 }`".to_string()
                } else {
                    format!("the segments are {}", list(&known))
                };
                ctx.push(
                    Issue::at(path, format!("no client segment `{name}`{}", did_you_mean(name, &known))).help(help),
                );
            }
        }
    }
    bits
}

/// A service's segments, partitions, routing and draining.
pub fn service_extras(ctx: &mut Ctx, base: &[Seg], s: &RawService, names: &[&str]) -> ServiceExtras {
    let mut extras = ServiceExtras::default();
    if let Some(given) = s.load.as_ref().and_then(|l| l.segments.as_ref()) {
        let path = sub(&sub(base, "load"), "segments");
        if ctx.segments.len() > MAX_SEGMENTS {
            ctx.push(
                Issue::at(&path, format!("{} client segments, more than {MAX_SEGMENTS}", ctx.segments.len()))
                    .help("merge segments that behave alike"),
            );
        }
        let mut total = 0.0;
        for (name, share) in &given.0 {
            let share = ctx.fraction(&sub(&path, name), *share, true);
            total += share;
            if let Some(i) = ctx.segments.iter().position(|n| n == name).filter(|i| *i < MAX_SEGMENTS) {
                extras.segments[i] = share;
            }
        }
        if (total - 1.0).abs() > 1e-6 {
            ctx.push(
                Issue::at(&path, format!("segment shares add up to {total}, not 1"))
                    .help("give each segment its share of the load, like { old-app = 0.3, new-app = 0.7 }"),
            );
        }
    }
    extras.partitions = s.partitions.map(|n| ctx.int(&sub(base, "partitions"), Some(n), 1, 1, 4096) as u32);
    extras.routing = s.routing.as_ref().map(|r| Box::new(routing(ctx, &sub(base, "routing"), r, names)));
    extras.draining = s.draining.as_ref().map(|d| {
        let p = sub(base, "draining");
        Box::new(Draining {
            delay: ctx.span(&sub(&p, "deregistration-delay"), d.deregistration_delay.as_ref(), "300s", false),
            long_fraction: d.long_fraction.map_or(0.0, |f| ctx.fraction(&sub(&p, "long-fraction"), f, true)),
            long_latency: ctx.span(&sub(&p, "long-latency"), d.long_latency.as_ref(), "0s", false),
        })
    });
    extras.serverless = s.serverless.as_ref().map(|l| {
        let p = sub(base, "serverless");
        Box::new(Serverless {
            limit: ctx.int(&sub(&p, "concurrency-limit"), l.concurrency_limit, 1000, 1, u32::MAX as i64) as f64,
            idle_expiry: ctx.span(&sub(&p, "idle-expiry"), l.idle_expiry.as_ref(), "10m", true),
            cold_start: ctx.span(&sub(&p, "cold-start"), l.cold_start.as_ref(), "1s", false),
            provisioned: ctx.int(&sub(&p, "provisioned"), l.provisioned, 0, 0, u32::MAX as i64) as f64,
        })
    });
    extras.shedding = s.shedding.as_ref().map(|h| {
        let p = sub(base, "shedding");
        let lifo = match h.order.as_deref() {
            None | Some("fifo") => false,
            Some("lifo") => true,
            Some(other) => {
                ctx.push(
                    Issue::at(&sub(&p, "order"), format!("unknown queue order `{other}`"))
                        .help("use \"fifo\" (oldest first, the default) or \"lifo\" (newest first)"),
                );
                false
            }
        };
        Box::new(Shedding {
            lifo,
            deadline: h.deadline.as_ref().map(|d| ctx.span(&sub(&p, "deadline"), Some(d), "1s", true)),
            adaptive_limit: h.adaptive_limit.unwrap_or(false),
        })
    });
    extras.autoscaling =
        s.autoscaling.as_ref().map(|a| Box::new(autoscaling(ctx, &sub(base, "autoscaling"), a, names)));
    extras
}

fn autoscaling(ctx: &mut Ctx, base: &[Seg], a: &RawAutoscaling, names: &[&str]) -> Autoscaling {
    let metric = match a.metric.as_deref() {
        None | Some("utilisation") => ScaleMetric::Utilisation,
        Some("requests") => ScaleMetric::Requests,
        Some("queue") => ScaleMetric::Queue,
        Some(other) => {
            let all = ["utilisation", "requests", "queue"];
            ctx.push(
                Issue::at(&sub(base, "metric"), format!("unknown metric `{other}`{}", did_you_mean(other, &all)))
                    .help("use \"utilisation\", \"requests\" (per instance) or \"queue\" (per instance)"),
            );
            ScaleMetric::Utilisation
        }
    };
    let tp = sub(base, "target");
    let target = match (metric, a.target.as_ref()) {
        (_, None) => {
            ctx.push(
                Issue::at(&tp, "missing key `target`")
                    .help("add `target = 0.6` (utilisation), or a rate per instance for `metric = \"requests\"`"),
            );
            1.0
        }
        (ScaleMetric::Requests, Some(Value::String(r))) => ctx.rate(&tp, &RateText(r.clone()), true),
        (ScaleMetric::Requests, Some(_)) => {
            ctx.push(Issue::at(&tp, "a requests target is a rate per instance").help("write it like \"100/s\""));
            1.0
        }
        (_, Some(Value::Float(f))) if *f > 0.0 => *f,
        (_, Some(Value::Integer(n))) if *n > 0 => *n as f64,
        (_, Some(_)) => {
            ctx.push(
                Issue::at(&tp, "must be a number more than 0")
                    .help("write a utilisation like 0.6, or a queue per instance like 10"),
            );
            1.0
        }
    };
    let min = ctx.int(&sub(base, "min"), a.min, 1, 0, u32::MAX as i64) as u32;
    let max = ctx.int(&sub(base, "max"), a.max, 100, 1, u32::MAX as i64) as u32;
    if min > max {
        ctx.push(
            Issue::at(&sub(base, "min"), format!("`min` ({min}) is above `max` ({max})"))
                .help("make `min` at most `max`"),
        );
    }
    let metrics = a.metrics.as_ref().and_then(|m| {
        let found = names.iter().position(|n| n == m).map(ServiceId);
        if found.is_none() {
            ctx.push(Issue::at(&sub(base, "metrics"), format!("no service `{m}`{}", did_you_mean(m, names))).help(
                format!("name the metrics service the policy reads through a `control` call: one of {}", list(names)),
            ));
        }
        found
    });
    Autoscaling {
        metric,
        target,
        min,
        max: max.max(min),
        scale_out_cooldown: ctx.span(&sub(base, "scale-out-cooldown"), a.scale_out_cooldown.as_ref(), "60s", false),
        scale_in_cooldown: ctx.span(&sub(base, "scale-in-cooldown"), a.scale_in_cooldown.as_ref(), "300s", false),
        metrics,
    }
}

/// An autoscaling policy's metrics service must be one the service calls with `kind = "control"`.
pub fn check_metrics(ctx: &mut Ctx, services: &[crate::model::Service], deps: &[crate::model::Dependency]) {
    for (i, s) in services.iter().enumerate() {
        let Some(m) = s.extras.autoscaling.as_ref().and_then(|a| a.metrics) else { continue };
        let wired = deps
            .iter()
            .any(|d| d.caller.0 == i && d.callee == m && matches!(d.kind, crate::model::DepKind::Control(_)));
        if !wired {
            let (name, metrics) = (&s.name, &services[m.0].name);
            ctx.push(
                Issue::at(
                    &[Seg::from("services"), Seg::from(name), Seg::from("autoscaling"), Seg::from("metrics")],
                    format!("`{name}` has no `control` call to `{metrics}`, so the policy cannot read its metrics"),
                )
                .help(format!("declare `[services.{name}.calls.{metrics}]` with `kind = \"control\"`")),
            );
        }
    }
}

fn routing(ctx: &mut Ctx, base: &[Seg], r: &RawRouting, names: &[&str]) -> Routing {
    let policy = match r.policy.as_deref() {
        None | Some("weighted") => RoutePolicy::Weighted,
        Some("failover") => RoutePolicy::Failover,
        Some(other) => {
            let all = ["weighted", "failover"];
            ctx.push(
                Issue::at(
                    &sub(base, "policy"),
                    format!("unknown routing policy `{other}`{}", did_you_mean(other, &all)),
                )
                .help("use \"weighted\" or \"failover\""),
            );
            RoutePolicy::Weighted
        }
    };
    let checker = r.checker.as_ref().and_then(|c| {
        let found = names.iter().position(|n| n == c).map(ServiceId);
        if found.is_none() {
            ctx.push(
                Issue::at(&sub(base, "checker"), format!("no service `{c}`{}", did_you_mean(c, names)))
                    .help(format!("name the service whose `control` calls probe the targets: one of {}", list(names))),
            );
        }
        found
    });
    let int = |ctx: &mut Ctx, key: &str, v: Option<i64>| ctx.int(&sub(base, key), v, 3, 1, u32::MAX as i64) as u32;
    Routing {
        policy,
        ttl: ctx.span(&sub(base, "ttl"), r.ttl.as_ref(), "60s", false),
        checker,
        interval: ctx.span(&sub(base, "interval"), r.interval.as_ref(), "30s", true),
        unhealthy_threshold: int(ctx, "unhealthy-threshold", r.unhealthy_threshold),
        healthy_threshold: int(ctx, "healthy-threshold", r.healthy_threshold),
        fail_open: r.fail_open.unwrap_or(true),
    }
}

/// A call's pool, key skew, routing weight and failover rank.
pub fn call_extras(ctx: &mut Ctx, base: &[Seg], c: &RawCall) -> CallExtras {
    let pool = c.pool.as_ref().map(|p| {
        let pp = sub(base, "pool");
        let size = match ctx.required(&sub(&pp, "size"), p.size.as_ref(), "20") {
            Some(&n) => ctx.number(&sub(&pp, "size"), Some(n), 1.0, 0.0, true),
            None => 1.0,
        };
        Pool {
            size,
            acquire_timeout: ctx.span(&sub(&pp, "acquire-timeout"), p.acquire_timeout.as_ref(), "1s", false),
            leak: ctx.number(&sub(&pp, "leak"), p.leak, 0.0, 0.0, false),
        }
    });
    let skew = match &c.skew {
        None => Skew::Uniform,
        Some(s) => {
            let sp = sub(base, "skew");
            match (s.zipf, &s.weights) {
                (Some(z), None) => Skew::Zipf(ctx.number(&sub(&sp, "zipf"), Some(z), 1.0, 0.0, false)),
                (None, Some(w)) if !w.is_empty() && w.iter().all(|x| *x >= 0.0) && w.iter().sum::<f64>() > 0.0 => {
                    Skew::Weights(w.clone())
                }
                _ => {
                    ctx.push(
                        Issue::at(&sp, "give `zipf` (an exponent) or `weights` (a share per partition), one of them")
                            .help("write skew = { zipf = 1.1 } or skew = { weights = [0.7, 0.1, 0.1, 0.1] }"),
                    );
                    Skew::Uniform
                }
            }
        }
    };
    CallExtras {
        pool: pool.map(Box::new),
        skew,
        weight: ctx.number(&sub(base, "weight"), c.weight, 1.0, 0.0, false),
        failover: ctx.int(&sub(base, "failover"), c.failover, 0, 0, 1000) as u32,
        off: false,
        breaker: c.breaker.as_ref().map(|b| {
            let bp = sub(base, "breaker");
            Box::new(Breaker {
                error_threshold: b
                    .error_threshold
                    .map_or(0.5, |f| ctx.fraction(&sub(&bp, "error-threshold"), f, false)),
                window: ctx.span(&sub(&bp, "window"), b.window.as_ref(), "10s", true),
                min_requests: ctx.number(&sub(&bp, "min-requests"), b.min_requests, 20.0, 0.0, false),
                open_for: ctx.span(&sub(&bp, "open-for"), b.open_for.as_ref(), "30s", false),
                probes: ctx.number(&sub(&bp, "probes"), b.probes, 5.0, 0.0, true),
            })
        }),
    }
}

/// Reports a call to a service that has no partitions but a skew, which would change nothing.
pub fn check_skew(ctx: &mut Ctx, base: &[Seg], c: &RawCall, callee: &RawService, callee_name: &str) {
    if c.skew.is_some() && callee.partitions.is_none() {
        ctx.push(
            Issue::at_key(
                &sub(base, "skew"),
                format!("`{callee_name}` has no partitions, so a key skew changes nothing"),
            )
            .help(format!("add `partitions = 8` to [services.{callee_name}], or remove `skew`")),
        );
    }
}
