//! Partitions with skew in requests mode: each request lands on one partition (by its caller's key skew); a partition past its share of the capacity throttles at once.

use super::Sim;
use super::slab::Origin;
use crate::mechanisms::partitions::shares;
use crate::model::Model;
use rand::RngExt;

/// Burst a partition absorbs: one second of its share of the capacity [requests].
const BURST_S: f64 = 1.0;

/// A partitioned service's token buckets, one per partition.
#[derive(Debug, Clone)]
pub struct Parts {
    tokens: Vec<f64>,
    /// When each bucket was last filled [µs].
    last: Vec<u64>,
}

impl Parts {
    pub fn new(count: u32) -> Parts {
        Parts { tokens: vec![f64::INFINITY; count as usize], last: vec![0; count as usize] }
    }

    /// Does partition `k`, refilled at `rate` [req/s], take a request at `now` [µs]?
    pub fn take(&mut self, k: usize, rate: f64, now: u64) -> bool {
        let burst = (rate * BURST_S).max(1.0);
        let dt = now.saturating_sub(self.last[k]) as f64 / 1e6;
        let t = (self.tokens[k] + dt * rate).min(burst);
        self.last[k] = now;
        if t >= 1.0 {
            self.tokens[k] = t - 1.0;
            true
        } else {
            self.tokens[k] = t;
            false
        }
    }
}

/// Cumulative key shares over a partitioned callee's partitions, for each call into one.
pub fn call_keys(model: &Model) -> Vec<Option<Vec<f64>>> {
    model
        .deps
        .iter()
        .map(|d| {
            let count = model.services[d.callee.0].extras.partitions?;
            Some(cumulative(&shares(&d.extras.skew, count as usize)))
        })
        .collect()
}

fn cumulative(shares: &[f64]) -> Vec<f64> {
    shares
        .iter()
        .scan(0.0, |acc, s| {
            *acc += s;
            Some(*acc)
        })
        .collect()
}

/// The partition a uniform draw `u` in `0..1` picks from cumulative shares `cum`.
pub fn pick(cum: &[f64], u: f64) -> usize {
    cum.partition_point(|&c| c <= u).min(cum.len().saturating_sub(1))
}

impl Sim<'_> {
    /// Does partitioned service `s` admit a request that came by `origin`? Outside requests spread evenly.
    pub(super) fn partition_admits(&mut self, s: u32, origin: Origin) -> bool {
        let Some(parts) = self.mechs.parts[s as usize].as_ref() else { return true };
        let n = parts.tokens.len();
        let u = self.rng.random::<f64>();
        let k = match origin {
            Origin::Call(d) | Origin::Buffer(d) | Origin::Control(d) => match &self.mechs.keys[d as usize] {
                Some(cum) => pick(cum, u),
                None => ((u * n as f64) as usize).min(n - 1),
            },
            Origin::External => ((u * n as f64) as usize).min(n - 1),
        };
        let model = &self.model.services[s as usize];
        let rate = model.capacity * self.svcs[s as usize].cap_factor / n as f64;
        let now = self.now;
        self.mechs.parts[s as usize].as_mut().is_some_and(|p| p.take(k, rate, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resilience::Skew;

    #[test]
    fn a_partition_takes_its_share_and_a_second_of_burst() {
        let mut p = Parts::new(2);
        // 10/s per partition: a full bucket of 10, then one every 100 ms.
        let taken = (0..20).filter(|_| p.take(0, 10.0, 0)).count();
        assert_eq!(taken, 10);
        assert!(!p.take(0, 10.0, 50_000));
        assert!(p.take(0, 10.0, 150_000));
        assert!(p.take(1, 10.0, 150_000), "the other partition has its own bucket");
    }

    #[test]
    fn keys_land_by_their_skew() {
        let cum = cumulative(&shares(&Skew::Weights(vec![3.0, 1.0]), 2));
        assert_eq!(cum, vec![0.75, 1.0]);
        assert_eq!(pick(&cum, 0.1), 0);
        assert_eq!(pick(&cum, 0.75), 1);
        assert_eq!(pick(&cum, 0.999), 1);
        let hot = cumulative(&shares(&Skew::Weights(vec![1.0, 0.0, 0.0]), 3));
        assert!((0..100).all(|i| pick(&hot, i as f64 / 100.0) == 0));
    }
}
