//! Building models in Rust, with the same defaults as the topology format.

use super::*;

impl Model {
    /// An empty model of `duration`, with the format's defaults.
    pub fn new(name: &str, duration: Span) -> Model {
        Model {
            name: name.to_string(),
            description: String::new(),
            clock: None,
            duration,
            step: Span(10_000),
            tick: Span(10_000),
            seed: 0,
            mode: Mode::Fluid,
            max_events: 10_000_000,
            max_solves: crate::model::MAX_SOLVES,
            thresholds: Thresholds::default(),
            services: Vec::new(),
            deps: Vec::new(),
            scenario: Vec::new(),
            expected: Vec::new(),
            variants: Vec::new(),
            segments: Vec::new(),
            disabled: Vec::new(),
        }
    }

    /// Adds a service and returns its id.
    pub fn add_service(&mut self, service: Service) -> ServiceId {
        self.services.push(service);
        ServiceId(self.services.len() - 1)
    }

    /// Adds a synchronous call from `caller` to `callee` with the format's
    /// defaults (one call per request, 1 s timeout, no retries) and returns its id.
    pub fn add_call(&mut self, caller: ServiceId, callee: ServiceId) -> DepId {
        self.deps.push(Dependency {
            caller,
            callee,
            kind: DepKind::Sync,
            per_request: 1.0,
            timeout: Span(1000),
            retries: Retries::none(),
            fallback: false,
            priority: 0,
            cancel_on_timeout: false,
            extras: resilience::CallExtras::default(),
        });
        DepId(self.deps.len() - 1)
    }

    /// Schedules an action at `at`, keeping the scenario in time order.
    pub fn schedule(&mut self, at: SimTime, kind: ActionKind, label: &str) {
        let pos = self.scenario.partition_point(|a| a.at <= at);
        self.scenario.insert(pos, Action { at, jitter: None, kind, label: label.to_string(), requires: None });
    }
}

impl Service {
    /// A service of `instances` each serving `capacity` [req/s], with the format's defaults.
    pub fn new(name: &str, instances: u32, capacity: f64) -> Service {
        Service {
            name: name.to_string(),
            instances,
            capacity,
            latency: Span(10),
            latency_dist: None,
            discipline: Discipline::Fifo,
            variability: Default::default(),
            error_rate: 0.0,
            threads: 200,
            os_thread_limit: 32_768,
            queue: 1000,
            timeout: Span(30_000),
            startup: Span(60_000),
            startup_dist: None,
            health: None,
            load: Load { shape: LoadShape::None, timeout: Span(30_000), noise: 0.0, arrivals: Arrivals::Poisson },
            replace_failed: false,
            peers: None,
            warmup: None,
            memory: None,
            extras: resilience::ServiceExtras::default(),
        }
    }

    /// The same service with a constant external load [req/s].
    pub fn with_load(mut self, rate: f64) -> Service {
        self.load.shape = LoadShape::Constant { rate };
        self
    }
}

impl HealthCheck {
    /// The format's default health check.
    pub fn default_check() -> HealthCheck {
        HealthCheck {
            interval: Span(10_000),
            interval_dist: None,
            timeout: Span(2000),
            unhealthy_threshold: 3,
            healthy_threshold: 2,
            deep: false,
        }
    }
}
