//! Small hand-built models, runs and reports shared by the output tests.

use crate::analysis::report::{EventReport, ExpectationReport, Milestone, Report, Score, ServiceReport};
use crate::engine::{LogEntry, RunResult, Sample, ServiceSeries, Totals};
use crate::model::{
    DepKind, Dependency, HealthCheck, Load, LoadShape, MilestoneKind, Model, Retries, Service, ServiceId, Thresholds,
};
use crate::time::{Clock, SimTime, Span};

fn service(name: &str) -> Service {
    Service {
        name: name.to_string(),
        instances: 10,
        capacity: 100.0,
        latency: Span(20),
        latency_dist: None,
        discipline: Default::default(),
        variability: Default::default(),
        error_rate: 0.0,
        threads: 50,
        os_thread_limit: 1000,
        queue: 100,
        timeout: Span(1000),
        startup: Span(60_000),
        startup_dist: None,
        health: Some(HealthCheck {
            interval: Span(10_000),
            interval_dist: None,
            timeout: Span(2000),
            unhealthy_threshold: 3,
            healthy_threshold: 2,
            deep: false,
        }),
        load: Load { shape: LoadShape::None, timeout: Span(5000), noise: 0.0, arrivals: Default::default() },
        replace_failed: true,
        peers: None,
        warmup: None,
        memory: None,
        extras: Default::default(),
    }
}

fn dep(caller: usize, callee: usize) -> Dependency {
    Dependency {
        caller: ServiceId(caller),
        callee: ServiceId(callee),
        kind: DepKind::Sync,
        per_request: 1.0,
        timeout: Span(1000),
        retries: Retries::none(),
        fallback: false,
        priority: 0,
        cancel_on_timeout: false,
        extras: Default::default(),
    }
}

/// `web-front -> auth-api -> user-db`, with retries on the second edge and a
/// fallback on a direct `web-front -> user-db` edge; one hour from 02:00.
pub fn model() -> Model {
    let mut front = service("web-front");
    front.load = Load {
        shape: LoadShape::Constant { rate: 500.0 },
        timeout: Span(5000),
        noise: 0.0,
        arrivals: Default::default(),
    };
    let mut retried = dep(1, 2);
    retried.retries.max = 3;
    let mut degraded = dep(0, 2);
    degraded.fallback = true;
    Model {
        name: "three-tier".to_string(),
        description: "A small test topology".to_string(),
        clock: Some(Clock::parse("2020-11-25T02:00:00-08:00").unwrap()),
        duration: Span(3_600_000),
        step: Span(60_000),
        tick: Span(10_000),
        seed: 7,
        mode: Default::default(),
        max_events: 1_000_000,
        max_solves: 1_000_000,
        thresholds: Thresholds::default(),
        services: vec![front, service("auth-api"), service("user-db")],
        deps: vec![dep(0, 1), retried, degraded],
        scenario: Vec::new(),
        expected: Vec::new(),
        variants: Vec::new(),
        segments: Vec::new(),
        disabled: Vec::new(),
    }
}

fn availability(service: usize, minute: u64) -> f64 {
    let dip = match service {
        0 => (10..40).contains(&minute).then_some(0.55),
        2 => (12..30).contains(&minute).then_some(0.2),
        _ => None,
    };
    dip.unwrap_or(1.0)
}

/// One sample a minute for an hour; `web-front` and `user-db` dip, `auth-api` does not.
pub fn result() -> RunResult {
    let times: Vec<SimTime> = (1..=60).map(|m| SimTime(m * 60_000)).collect();
    let services = (0..3)
        .map(|s| ServiceSeries {
            samples: (1..=60)
                .map(|m| {
                    let a = availability(s, m);
                    Sample {
                        offered: 500.0,
                        served: 500.0 * a,
                        failed: 500.0 * (1.0 - a),
                        availability: a,
                        healthy: 10,
                        instances: 10,
                        queue: 0.0,
                        backlog: 0.0,
                        threads_in_use: 12.5,
                        p50_ms: None,
                        p99_ms: None,
                    }
                })
                .collect(),
            totals: Totals::default(),
            latency: None,
            waits: None,
        })
        .collect();
    let log = vec![
        LogEntry {
            at: SimTime(600_000),
            service: Some(ServiceId(2)),
            what: "crash user-db 50%".to_string(),
            scheduled: true,
        },
        LogEntry {
            at: SimTime(700_000),
            service: Some(ServiceId(2)),
            what: "user-db instance removed".to_string(),
            scheduled: false,
        },
        LogEntry {
            at: SimTime(1_500_000),
            service: Some(ServiceId(2)),
            what: "restart user-db".to_string(),
            scheduled: true,
        },
    ];
    RunResult { times, services, log, events: 1234 }
}

fn milestone(kind: MilestoneKind, at: &str, t_s: f64) -> Milestone {
    Milestone { kind, at: at.to_string(), t_s }
}

fn service_report(name: &str, min: f64, milestones: Vec<Milestone>) -> ServiceReport {
    ServiceReport {
        name: name.to_string(),
        impacted: !milestones.is_empty(),
        min_availability: min,
        min_at: None,
        offered_requests: 1_800_000.0,
        failed_requests: 1_800_000.0 * (1.0 - min) / 2.0,
        error_minutes: 60.0 * (1.0 - min) / 2.0,
        impact_minutes: if milestones.is_empty() { 0.0 } else { 20.0 },
        milestones,
        latency: None,
    }
}

/// The report the analysis would make of [`result`], with an expected timeline.
pub fn report() -> Report {
    use MilestoneKind::*;
    Report {
        topology: "three-tier".to_string(),
        variant: Some("more-threads".to_string()),
        seed: 7,
        mode: Default::default(),
        start: Some("2020-11-25T02:00:00-08:00".to_string()),
        duration_s: 3600.0,
        step_s: 60.0,
        thresholds: Thresholds::default(),
        services: vec![
            service_report(
                "web-front",
                0.55,
                vec![
                    milestone(ImpactStart, "02:11:00", 660.0),
                    milestone(Severe, "02:11:00", 660.0),
                    milestone(Recovered, "02:40:00", 2400.0),
                ],
            ),
            service_report("auth-api", 1.0, Vec::new()),
            service_report(
                "user-db",
                0.2,
                vec![
                    milestone(ImpactStart, "02:13:00", 780.0),
                    milestone(Severe, "02:13:00", 780.0),
                    milestone(Recovered, "02:31:00", 1860.0),
                ],
            ),
        ],
        events: vec![
            EventReport {
                at: "02:10:00".to_string(),
                t_s: 600.0,
                service: Some("user-db".to_string()),
                what: "crash user-db 50%".to_string(),
                scheduled: true,
            },
            EventReport {
                at: "02:11:40".to_string(),
                t_s: 700.0,
                service: Some("user-db".to_string()),
                what: "user-db instance removed".to_string(),
                scheduled: false,
            },
        ],
        expectations: vec![
            ExpectationReport {
                service: "user-db".to_string(),
                kind: ImpactStart,
                expected: "02:15".to_string(),
                simulated: Some("02:13:00".to_string()),
                error_min: Some(-2.0),
            },
            ExpectationReport {
                service: "web-front".to_string(),
                kind: MostlyRecovered,
                expected: "02:35".to_string(),
                simulated: None,
                error_min: None,
            },
        ],
        score: Some(Score {
            expected: 2,
            reached: 1,
            within_10_min: 1,
            mean_abs_error_min: Some(2.0),
            worst_abs_error_min: Some(2.0),
        }),
    }
}
