//! Validation of `[services.NAME]` tables and their `calls` into services and dependencies.

use super::resilience;
use super::values::{Ctx, Seg, sub};
use crate::mechanisms::queueing::Variability;
use crate::model::{
    Arrivals, Buffer, Control, DepKind, Dependency, Discipline, HealthCheck, Load, LoadShape, Memory, PeerThreads,
    Service, ServiceId, Warmup, WarmupSource, WhenFull,
};
use crate::time::{SimTime, Span};
use crate::topology::error::Issue;
use crate::topology::raw::{Ordered, RawBuffer, RawCall, RawLoad, RawMemory, RawPeers, RawService, RawWarmup};
use crate::topology::suggest::{did_you_mean, list};
use std::collections::HashMap;

/// Validates every service and dependency; dependencies come in caller order, then callee order as written.
pub fn validate_services(ctx: &mut Ctx, raw: &Ordered<RawService>) -> (Vec<Service>, Vec<Dependency>) {
    let names: Vec<&str> = raw.0.iter().map(|(n, _)| n.as_str()).collect();
    // The index's keys side by side in one string: a lookup compares against
    // memory a few pages long, not against a name wherever its parse left it.
    let packed: String = names.concat();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    let mut at = 0;
    for (i, n) in names.iter().enumerate() {
        index.insert(&packed[at..at + n.len()], i);
        at += n.len();
    }
    let mut services: Vec<Service> = raw.0.iter().map(|(name, s)| service(ctx, name, s)).collect();
    for ((name, s), svc) in raw.0.iter().zip(services.iter_mut()) {
        let base = [Seg::from("services"), Seg::from(name)];
        svc.extras = resilience::service_extras(ctx, &base, s, &names);
    }
    let mut deps = Vec::with_capacity(raw.0.iter().map(|(_, s)| s.calls.0.len()).sum());
    for (caller_i, (caller, s)) in raw.0.iter().enumerate() {
        for (callee, call) in &s.calls.0 {
            let path = [Seg::from("services"), Seg::from(caller), Seg::from("calls"), Seg::from(callee)];
            if callee == caller {
                ctx.push(
                    Issue::at_key(
                        &path,
                        "a service cannot call itself synchronously: its requests would wait on its own threads",
                    )
                    .help(format!("remove `services.{caller}.calls.{caller}`")),
                );
                continue;
            }
            let Some(&callee_i) = index.get(callee.as_str()) else {
                let guess = did_you_mean(callee, &names);
                ctx.push(
                    Issue::at_key(&path, format!("`{caller}` calls `{callee}`, which is not a service{guess}"))
                        .help(format!("declare `[services.{callee}]`, or call one of {}", list(&names))),
                );
                continue;
            };
            let mut dep = dependency(ctx, &path, ServiceId(caller_i), ServiceId(callee_i), call);
            dep.extras = resilience::call_extras(ctx, &path, call);
            resilience::check_skew(ctx, &path, call, &raw.0[callee_i].1, callee);
            if !call.enabled.unwrap_or(true) {
                ctx.disabled.push(format!("services.{caller}.calls.{callee}"));
                continue;
            }
            if let DepKind::Buffered(Buffer { when_full: WhenFull::Grow, .. }) = dep.kind
                && services[caller_i].memory.is_none()
            {
                let buffer = sub(&path, "buffer");
                ctx.push(
                    Issue::at(
                        &sub(&buffer, "when-full"),
                        format!("a buffer that grows fills memory, but `{caller}` has no memory limit"),
                    )
                    .help(format!("add [services.{caller}.memory] with a limit, or use when-full = \"drop\"")),
                );
            }
            deps.push(dep);
        }
    }
    resilience::check_metrics(ctx, &services, &deps);
    (services, deps)
}

/// The `when-full` policies by name.
pub(super) const WHEN_FULL: [(&str, WhenFull); 3] =
    [("drop", WhenFull::Drop), ("block", WhenFull::Block), ("grow", WhenFull::Grow)];

/// A `when-full` policy, or `None` after reporting an unknown one.
pub(super) fn when_full(ctx: &mut Ctx, path: &[Seg], text: &str) -> Option<WhenFull> {
    if let Some((_, w)) = WHEN_FULL.iter().find(|(n, _)| *n == text) {
        return Some(*w);
    }
    let names: Vec<&str> = WHEN_FULL.iter().map(|(n, _)| *n).collect();
    ctx.push(
        Issue::at(path, format!("unknown when-full policy `{text}`{}", did_you_mean(text, &names)))
            .help("use \"drop\", \"block\" or \"grow\""),
    );
    None
}

fn service(ctx: &mut Ctx, name: &str, s: &RawService) -> Service {
    let base = [Seg::from("services"), Seg::from(name)];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        ctx.push(
            Issue::at_key(&base, format!("`{name}` is not a valid service name"))
                .help("use letters, digits, `-` and `_` only"),
        );
    }
    let instances = match ctx.required(&sub(&base, "instances"), s.instances.as_ref(), "4") {
        Some(&n) => ctx.int(&sub(&base, "instances"), Some(n), 1, 1, u32::MAX as i64) as u32,
        None => 1,
    };
    let capacity = match ctx.required(&sub(&base, "capacity"), s.capacity.as_ref(), "\"500/s\"") {
        Some(c) => ctx.rate(&sub(&base, "capacity"), c, true),
        None => 1.0,
    };
    let threads_path = sub(&base, "threads");
    let (workers, os_limit) = match &s.threads {
        Some(t) => (t.workers, t.os_limit),
        None => (None, None),
    };
    let workers = ctx.int(&sub(&threads_path, "workers"), workers, 200, 1, u32::MAX as i64) as u32;
    let os_limit = ctx.int(&sub(&threads_path, "os-limit"), os_limit, 32768, 1, u32::MAX as i64) as u32;
    if workers > os_limit {
        ctx.push(
            Issue::at(
                &sub(&threads_path, "workers"),
                format!("{workers} workers do not fit under the OS limit of {os_limit} threads"),
            )
            .help(format!("lower `workers` to at most {os_limit}, or raise `os-limit`")),
        );
    }
    let timeout = ctx.span(&sub(&base, "timeout"), s.timeout.as_ref(), "30s", true);
    let health = s.health_check.as_ref().map(|h| {
        let hp = sub(&base, "health-check");
        let (interval, interval_dist) = ctx.spread(&sub(&hp, "interval"), h.interval.as_ref(), "10s", true);
        HealthCheck {
            interval,
            interval_dist,
            timeout: ctx.span(&sub(&hp, "timeout"), h.timeout.as_ref(), "2s", true),
            unhealthy_threshold: ctx.int(&sub(&hp, "unhealthy-threshold"), h.unhealthy_threshold, 3, 1, u32::MAX as i64)
                as u32,
            healthy_threshold: ctx.int(&sub(&hp, "healthy-threshold"), h.healthy_threshold, 2, 1, u32::MAX as i64)
                as u32,
            deep: h.deep.unwrap_or(false),
        }
    });
    let load = match &s.load {
        Some(l) => load(ctx, &sub(&base, "load"), l, timeout),
        None => Load { shape: LoadShape::None, timeout, noise: 0.0, arrivals: Arrivals::Poisson },
    };
    let (latency, latency_dist) = ctx.latency(&sub(&base, "latency"), s.latency.as_ref(), "10ms", false);
    let discipline = match s.queue_discipline.as_deref() {
        None | Some("fifo") => Discipline::Fifo,
        Some("lifo") => Discipline::Lifo,
        Some(other) => {
            let all = ["fifo", "lifo"];
            ctx.push(
                Issue::at(
                    &sub(&base, "queue-discipline"),
                    format!("unknown queue discipline `{other}`{}", did_you_mean(other, &all)),
                )
                .help("use \"fifo\" (the default) or \"lifo\""),
            );
            Discipline::Fifo
        }
    };
    let arrivals_cv = match load.arrivals {
        Arrivals::Poisson => 1.0,
        Arrivals::Uniform => 0.0,
    };
    let variability = Variability {
        arrival_cv: ctx.number(&sub(&base, "arrival-cv"), s.arrival_cv, arrivals_cv, 0.0, false),
        service_cv: ctx.number(
            &sub(&base, "service-cv"),
            s.service_cv,
            latency_dist.as_ref().map_or(1.0, |d| d.cv()),
            0.0,
            false,
        ),
    };
    let peers = s.peers.as_ref().map(|p| peers(ctx, &sub(&base, "peers"), p, workers, os_limit));
    let warmup = s.warmup.as_ref().map(|w| warmup(ctx, &sub(&base, "warmup"), w));
    let memory = s.memory.as_ref().map(|m| memory(ctx, &sub(&base, "memory"), m));
    let (startup, startup_dist) = ctx.spread(&sub(&base, "startup"), s.startup.as_ref(), "1m", false);
    Service {
        name: name.to_string(),
        instances,
        capacity,
        latency,
        latency_dist,
        discipline,
        variability,
        error_rate: s.error_rate.map_or(0.0, |f| ctx.fraction(&sub(&base, "error-rate"), f, true)),
        threads: workers,
        os_thread_limit: os_limit,
        queue: ctx.int(&sub(&base, "queue"), s.queue, 1000, 0, u32::MAX as i64) as u32,
        timeout,
        startup,
        startup_dist,
        health,
        load,
        replace_failed: s.replace_failed.unwrap_or(false),
        peers: peers.map(Box::new),
        warmup: warmup.map(Box::new),
        memory: memory.map(Box::new),
        extras: Default::default(),
    }
}

fn peers(ctx: &mut Ctx, base: &[Seg], p: &RawPeers, workers: u32, os_limit: u32) -> PeerThreads {
    let per_peer = ctx.number(&sub(base, "per-peer"), p.per_peer, 1.0, 0.0, false);
    let base_threads = ctx.int(&sub(base, "base-threads"), p.base_threads, 0, 0, u32::MAX as i64) as u32;
    if workers <= os_limit && u64::from(workers) + u64::from(base_threads) >= u64::from(os_limit) {
        let room = os_limit - workers;
        let fix = if room == 0 {
            "lower `threads.workers` or raise `threads.os-limit`".to_string()
        } else {
            format!("lower `base-threads` below {room}, or raise `threads.os-limit`")
        };
        ctx.push(
            Issue::at(
                &sub(base, "base-threads"),
                format!(
                    "{workers} workers and {base_threads} base threads reach the OS limit of {os_limit} threads, \
                     leaving none for peers: the service could never run"
                ),
            )
            .help(fix),
        );
    }
    let learn = ctx.span(&sub(base, "learn"), p.learn.as_ref(), "20m", true);
    PeerThreads {
        per_peer,
        base_threads,
        learn,
        cells: ctx.int(&sub(base, "cells"), p.cells, 1, 1, u32::MAX as i64) as u32,
        cache_ttl: ctx.span(&sub(base, "cache-ttl"), p.cache_ttl.as_ref(), "1h", false),
        expiry_spread: ctx.span(&sub(base, "expiry-spread"), p.expiry_spread.as_ref(), "10m", false),
    }
}

fn warmup(ctx: &mut Ctx, base: &[Seg], w: &RawWarmup) -> Warmup {
    let (duration, duration_dist) = match ctx.required(&sub(base, "duration"), w.duration.as_ref(), "\"10m\"") {
        Some(d) => ctx.spread(&sub(base, "duration"), Some(d), "10m", true),
        None => (Span::ZERO, None),
    };
    let source = match w.source.as_deref() {
        None | Some("peers") => WarmupSource::Peers,
        Some("store") => WarmupSource::Store,
        Some(other) => {
            let all = ["peers", "store"];
            ctx.push(
                Issue::at(
                    &sub(base, "source"),
                    format!("unknown warm-up source `{other}`{}", did_you_mean(other, &all)),
                )
                .help("use \"peers\" or \"store\""),
            );
            WarmupSource::Peers
        }
    };
    let store_capacity = ctx.number(&sub(base, "store-capacity"), w.store_capacity, 1.0, 0.0, false);
    Warmup {
        duration,
        duration_dist,
        source,
        store_capacity,
        peer_share: w.peer_share.map_or(0.1, |f| ctx.fraction(&sub(base, "peer-share"), f, true)),
        peer_cost: ctx.number(&sub(base, "peer-cost"), w.peer_cost, 1.0, 0.0, true),
        deadline: ctx.span(&sub(base, "deadline"), w.deadline.as_ref(), "1h", true),
    }
}

fn memory(ctx: &mut Ctx, base: &[Seg], m: &RawMemory) -> Memory {
    let limit_mb = match ctx.required(&sub(base, "limit"), m.limit.as_ref(), "\"4GB\"") {
        Some(l) => ctx.size(&sub(base, "limit"), Some(l), "4GB", true),
        None => 1.0,
    };
    Memory {
        limit_mb,
        base_mb: ctx.size(&sub(base, "base"), m.base.as_ref(), "0MB", false),
        fail_at: ctx.number(&sub(base, "fail-at"), m.fail_at, 0.5, 0.0, true),
        hard_limit_mb: m.hard_limit.as_ref().map(|h| {
            let path = sub(base, "hard-limit");
            let mb = ctx.size(&path, Some(h), "8GB", true);
            if mb <= limit_mb {
                ctx.push(
                    Issue::at(&path, format!("must be above `limit` ({limit_mb} MB), found \"{}\"", h.0))
                        .help("the hard limit is where an instance is killed, past the limit where contention starts"),
                );
            }
            mb
        }),
    }
}

fn buffer(ctx: &mut Ctx, base: &[Seg], b: &RawBuffer) -> Buffer {
    let size = match ctx.required(&sub(base, "size"), b.size.as_ref(), "10000") {
        Some(&n) => ctx.number(&sub(base, "size"), Some(n), 1.0, 0.0, true),
        None => 1.0,
    };
    Buffer {
        size,
        when_full: b
            .when_full
            .as_deref()
            .and_then(|w| when_full(ctx, &sub(base, "when-full"), w))
            .unwrap_or(WhenFull::Drop),
        item_mb: ctx.size(&sub(base, "item-size"), b.item_size.as_ref(), "0MB", false),
        drain: b.drain.as_ref().map_or(1000.0, |d| ctx.rate(&sub(base, "drain"), d, true)),
    }
}

const LOAD_KINDS: [(&str, &[&str]); 5] = [
    ("constant", &["rate"]),
    ("steps", &["rate", "steps"]),
    ("ramp", &["from", "to", "start", "end"]),
    ("daily", &["mean", "amplitude", "peak"]),
    ("closed", &["clients", "think"]),
];

fn load(ctx: &mut Ctx, base: &[Seg], l: &RawLoad, service_timeout: Span) -> Load {
    let timeout = ctx.span(&sub(base, "timeout"), l.timeout.as_ref(), "30s", true);
    let timeout = if l.timeout.is_some() { timeout } else { service_timeout };
    let noise = ctx.number(&sub(base, "noise"), l.noise, 0.0, 0.0, false);
    let arrivals = match l.arrivals.as_deref() {
        None | Some("poisson") => Arrivals::Poisson,
        Some("uniform") => Arrivals::Uniform,
        Some(other) => {
            let all = ["poisson", "uniform"];
            ctx.push(
                Issue::at(&sub(base, "arrivals"), format!("unknown arrivals `{other}`{}", did_you_mean(other, &all)))
                    .help("use \"poisson\" (the default) or \"uniform\""),
            );
            Arrivals::Poisson
        }
    };
    let none = Load { shape: LoadShape::None, timeout, noise, arrivals };
    let kinds: Vec<&str> = LOAD_KINDS.iter().map(|(k, _)| *k).collect();
    let Some(kind) = ctx.required(&sub(base, "kind"), l.kind.as_ref(), "\"constant\"") else {
        return none;
    };
    let Some((_, keys)) = LOAD_KINDS.iter().find(|(k, _)| k == kind) else {
        ctx.push(
            Issue::at(&sub(base, "kind"), format!("unknown load kind `{kind}`{}", did_you_mean(kind, &kinds)))
                .help(format!("use one of {}", list(&kinds))),
        );
        return none;
    };
    let mut ok = true;
    for key in l.present() {
        if key != "timeout" && !keys.contains(&key) {
            ok = false;
            ctx.push(
                Issue::at_key(&sub(base, key), format!("a `{kind}` load takes no `{key}`{}", did_you_mean(key, *keys)))
                    .help(format!("a `{kind}` load takes {} (and `timeout`)", list(keys))),
            );
        }
    }
    let rate = |ctx: &mut Ctx, key: &str, v: Option<&crate::topology::raw::RateText>| {
        let example = "\"1000/s\"";
        ctx.required(&sub(base, key), v, example).map(|r| ctx.rate(&sub(base, key), r, false))
    };
    let shape = match kind.as_str() {
        "constant" => rate(ctx, "rate", l.rate.as_ref()).map(|rate| LoadShape::Constant { rate }),
        "steps" => {
            let initial = rate(ctx, "rate", l.rate.as_ref());
            let mut steps = Vec::new();
            let raw_steps =
                ctx.required(&sub(base, "steps"), l.steps.as_ref(), "[{ at = \"+1h\", rate = \"2000/s\" }]");
            for (i, step) in raw_steps.into_iter().flatten().enumerate() {
                let sp = sub(&sub(base, "steps"), i);
                let at = ctx
                    .required(&sub(&sp, "at"), step.at.as_ref(), "\"+1h\"")
                    .and_then(|v| ctx.time(&sub(&sp, "at"), v));
                let r = ctx
                    .required(&sub(&sp, "rate"), step.rate.as_ref(), "\"2000/s\"")
                    .map(|r| ctx.rate(&sub(&sp, "rate"), r, false));
                if let (Some(at), Some(r)) = (at, r) {
                    if steps.last().is_some_and(|(prev, _): &(SimTime, f64)| *prev > at) {
                        ctx.push(
                            Issue::at(&sub(&sp, "at"), "steps must be in time order").help("sort the steps by `at`"),
                        );
                    }
                    steps.push((at, r));
                }
            }
            initial.map(|rate| LoadShape::Steps { rate, steps })
        }
        "closed" => {
            let clients = ctx
                .required(&sub(base, "clients"), l.clients.as_ref(), "200")
                .map(|&c| ctx.number(&sub(base, "clients"), Some(c), 1.0, 0.0, true));
            let think = ctx.span(&sub(base, "think"), l.think.as_ref(), "0s", false);
            clients.map(|clients| LoadShape::Closed { clients, think })
        }
        "ramp" => {
            let from = rate(ctx, "from", l.from.as_ref());
            let to = rate(ctx, "to", l.to.as_ref());
            let start = ctx
                .required(&sub(base, "start"), l.start.as_ref(), "\"+0s\"")
                .and_then(|v| ctx.time(&sub(base, "start"), v));
            let end =
                ctx.required(&sub(base, "end"), l.end.as_ref(), "\"+1h\"").and_then(|v| ctx.time(&sub(base, "end"), v));
            if let (Some(s), Some(e)) = (start, end)
                && e < s
            {
                ctx.push(
                    Issue::at(&sub(base, "end"), "the ramp ends before it starts")
                        .help("make `end` later than `start`"),
                );
            }
            match (from, to, start, end) {
                (Some(from), Some(to), Some(start), Some(end)) => Some(LoadShape::Ramp { from, to, start, end }),
                _ => None,
            }
        }
        _ => {
            let mean = rate(ctx, "mean", l.mean.as_ref());
            let amplitude = ctx
                .required(&sub(base, "amplitude"), l.amplitude.as_ref(), "0.3")
                .map(|&a| ctx.fraction(&sub(base, "amplitude"), a, true));
            let peak = ctx
                .required(&sub(base, "peak"), l.peak.as_ref(), "\"14:00\"")
                .and_then(|v| ctx.time_of_day(&sub(base, "peak"), v));
            let start_s_of_day = ctx.clock.as_ref().map_or(0, |c| c.start_of_day_s);
            match (mean, amplitude, peak) {
                (Some(mean), Some(amplitude), Some(peak_s_of_day)) => {
                    Some(LoadShape::Daily { mean, amplitude, peak_s_of_day, start_s_of_day })
                }
                _ => None,
            }
        }
    };
    match shape {
        Some(shape) if ok => Load { shape, timeout, noise, arrivals },
        _ => none,
    }
}

fn dependency(ctx: &mut Ctx, base: &[Seg], caller: ServiceId, callee: ServiceId, c: &RawCall) -> Dependency {
    let kind_name = c.kind.as_deref().unwrap_or("sync");
    let known = ["sync", "buffered", "control"];
    if !known.contains(&kind_name) {
        ctx.push(
            Issue::at(
                &sub(base, "kind"),
                format!("unknown call kind `{kind_name}`{}", did_you_mean(kind_name, &known)),
            )
            .help("use \"sync\" (the default), \"buffered\" or \"control\""),
        );
    }
    let misplaced = [
        ("buffer", c.buffer.is_some(), "buffered"),
        ("need", c.need.is_some(), "control"),
        ("tolerance", c.tolerance.is_some(), "control"),
    ];
    for (key, given, wanted) in misplaced {
        if given && known.contains(&kind_name) && kind_name != wanted {
            ctx.push(
                Issue::at_key(&sub(base, key), format!("a `{kind_name}` call takes no `{key}`"))
                    .help(format!("`{key}` applies to `kind = \"{wanted}\"` calls; set that kind, or remove `{key}`")),
            );
        }
    }
    let kind = match kind_name {
        "buffered" => match &c.buffer {
            Some(b) => DepKind::Buffered(buffer(ctx, &sub(base, "buffer"), b)),
            None => {
                let table = crate::topology::error::dotted(base);
                ctx.push(
                    Issue::at(&sub(base, "kind"), "a `buffered` call needs a `buffer` table")
                        .help(format!("add `[{table}.buffer]` with `size = 10000` (calls one instance can hold)")),
                );
                DepKind::Sync
            }
        },
        "control" => DepKind::Control(Control {
            need: c.need.map_or(1.0, |n| ctx.fraction(&sub(base, "need"), n, true)),
            tolerance: ctx.span(&sub(base, "tolerance"), c.tolerance.as_ref(), "0s", false),
        }),
        _ => DepKind::Sync,
    };
    let per_request = c.per_request.unwrap_or(1.0);
    if per_request <= 0.0 {
        ctx.push(
            Issue::at(&sub(base, "per-request"), format!("must be more than 0, found {per_request}"))
                .help("write the calls made per request, like 1 or 0.5"),
        );
    }
    let retries = super::retries::retries(ctx, base, c.retries.as_ref());
    Dependency {
        caller,
        callee,
        kind,
        per_request,
        timeout: ctx.span(&sub(base, "timeout"), c.timeout.as_ref(), "1s", true),
        retries,
        fallback: c.fallback.unwrap_or(false),
        priority: ctx.int(&sub(base, "priority"), c.priority, 0, i32::MIN as i64, i32::MAX as i64) as i32,
        cancel_on_timeout: c.cancel_on_timeout.unwrap_or(false),
        extras: Default::default(),
    }
}
