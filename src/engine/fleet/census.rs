//! The fleet-wide sums the traffic model reads (the census), counted from the cohorts.

use super::{Cohort, Fleet, Phase};

/// Fleet-wide sums the traffic model needs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Census {
    /// Serving and in rotation [instances].
    pub serving: u32,
    /// Crashed but still in rotation: their traffic fails [instances].
    pub dead_in_rotation: u32,
    /// All instances in any state [instances].
    pub total: u32,
    /// Sum over serving instances of their version's capacity factor.
    pub capacity_units: f64,
    /// Mean error rate of the serving instances' versions and partial faults.
    pub version_error: f64,
    /// Mean extra latency of the serving instances' versions and partial faults [s].
    pub version_latency_s: f64,
    /// Mean fraction of requests failing on expired routing entries.
    pub stale_error: f64,
    /// Serving instances whose version overrides how full buffers are handled.
    pub when_full_overridden: u32,
    /// The overriding policy, when one is in use.
    pub override_policy: Option<crate::model::WhenFull>,
    /// Instances building their caches [instances].
    pub warming: u32,
    /// Serving, in rotation, with a sound cache [instances].
    pub sound: u32,
    /// Mean fraction of requests failed with client errors by partial faults.
    pub client_error: f64,
    /// Fraction of serving instances whose version rejects segments.
    pub rejecting: f64,
    /// The segments they reject (bits).
    pub rejects: u32,
}

impl Cohort {
    /// What [`Fleet::census`] reads of the cohort, as bits.
    #[cfg(debug_assertions)]
    pub(super) fn counted(&self) -> [u64; 12] {
        let (v, f) = (&self.version, &self.fault);
        let phase = match self.phase {
            Phase::Booting { .. } => 0,
            Phase::Warming { .. } => 1,
            Phase::Serving => 2,
            Phase::Crashed => 3,
        };
        [
            self.count as u64
                | phase << 32
                | (self.in_rotation as u64) << 40
                | (self.broken_since.is_some() as u64) << 48,
            self.stale_error.to_bits(),
            v.error_rate.to_bits(),
            v.capacity_factor.to_bits(),
            v.extra_latency.0,
            v.when_full.map_or(0, |w| w as u64 + 1),
            v.rejects as u64,
            f.capacity_factor.to_bits(),
            f.latency_s.to_bits(),
            f.error.to_bits(),
            f.client_error.to_bits(),
            0,
        ]
    }
}

impl Fleet {
    /// Counts the census from the cohorts, in order.
    pub(super) fn count(&self) -> Census {
        let mut c = Census::default();
        let (mut err, mut lat, mut stale, mut client, mut rejecting) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for k in self.cohorts.iter() {
            c.total += k.count;
            match (k.phase, k.in_rotation) {
                (Phase::Serving, true) => {
                    let n = k.count as f64;
                    c.serving += k.count;
                    let f = &k.fault;
                    c.capacity_units += n * k.version.capacity_factor * f.capacity_factor;
                    err += n * (1.0 - (1.0 - k.version.error_rate) * (1.0 - f.error));
                    lat += n * (k.version.extra_latency.secs() + f.latency_s);
                    client += n * f.client_error;
                    if k.version.rejects != 0 {
                        rejecting += n;
                        c.rejects |= k.version.rejects;
                    }
                    stale += n * k.stale_error;
                    if let Some(p) = k.version.when_full {
                        c.when_full_overridden += k.count;
                        c.override_policy = Some(p);
                    }
                    if k.is_sound() {
                        c.sound += k.count;
                    }
                }
                (Phase::Crashed, true) => c.dead_in_rotation += k.count,
                (Phase::Warming { .. }, _) => c.warming += k.count,
                _ => {}
            }
        }
        if c.serving > 0 {
            let n = c.serving as f64;
            c.version_error = err / n;
            c.version_latency_s = lat / n;
            c.stale_error = stale / n;
            c.client_error = client / n;
            c.rejecting = rejecting / n;
        }
        c
    }
}
