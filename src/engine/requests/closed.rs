//! Closed-loop clients in requests mode: each of N clients sends a request, waits for its answer (retries and backoff included), thinks, and sends the next.

use super::{Ev, Sim};
use crate::model::LoadShape;
use rand::RngExt;

/// The shortest time between two requests of one client [µs], so a client
/// that is refused at once with no think time cannot spin at one instant.
pub const MIN_CYCLE_US: u64 = 1000;

/// Whether a service's outside load is closed-loop, and its think time [µs].
pub fn think_us(shape: &LoadShape) -> Option<u64> {
    match shape {
        LoadShape::Closed { think, .. } => Some(think.0.saturating_mul(1000)),
        _ => None,
    }
}

impl Sim<'_> {
    /// Starts the clients of closed-loop service `s`, each at a random point of its first think time.
    pub(super) fn start_clients(&mut self, s: u32) {
        self.clients_changed(s);
    }

    /// The clients of service `s` as its load now says (at the start, or after
    /// a scenario `set`): new ones start within a think time; those no longer
    /// wanted stop after their current request.
    pub(super) fn clients_changed(&mut self, s: u32) {
        let shape = &self.model.services[s as usize].load.shape;
        let think = think_us(shape);
        let want = match shape {
            LoadShape::Closed { clients, .. } => clients.round().max(0.0) as u64,
            _ => 0,
        };
        let k = s as usize;
        self.mechs.think[k] = think;
        let have = self.mechs.clients[k];
        let spread = think.unwrap_or(0).max(MIN_CYCLE_US);
        for _ in have..want {
            let at = self.now + (self.rng.random::<f64>() * spread as f64) as u64;
            self.at(at, Ev::Client(s));
        }
        self.mechs.retire[k] += have.saturating_sub(want);
        self.mechs.clients[k] = want;
    }

    /// A closed-loop client of service `s` got its answer (or its refusal) to a request sent at `sent` [µs]: it thinks, then asks again.
    pub(super) fn client_answered(&mut self, s: u32, sent: u64, think: u64) {
        if self.mechs.retire[s as usize] > 0 {
            self.mechs.retire[s as usize] -= 1;
            return;
        }
        let next = (self.now + think).max(sent + MIN_CYCLE_US);
        self.at(next, Ev::Client(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    #[test]
    fn only_closed_loads_have_a_think_time() {
        assert_eq!(think_us(&LoadShape::Closed { clients: 3.0, think: Span(50) }), Some(50_000));
        assert_eq!(think_us(&LoadShape::Constant { rate: 3.0 }), None);
    }
}
