//! Out of memory: an instance whose memory use passes its hard limit is killed and restarts, losing what it buffered.

use crate::model::Memory;

/// Whether an instance using `used_mb` is killed under `memory`.
pub fn killed(memory: &Memory, used_mb: f64) -> bool {
    memory.hard_limit_mb.is_some_and(|hard| used_mb > hard)
}

/// The buffered calls left after `killed` of `instances` instances lose theirs,
/// the fleet's `held` calls being spread evenly over its instances [calls].
pub fn surviving_backlog(held: f64, killed: u32, instances: u32) -> f64 {
    if instances == 0 { 0.0 } else { held * (1.0 - (killed.min(instances) as f64 / instances as f64)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_hard_limit_kills() {
        let soft = Memory { limit_mb: 1000.0, base_mb: 0.0, fail_at: 0.5, hard_limit_mb: None };
        assert!(!killed(&soft, 1e9));
        let hard = Memory { hard_limit_mb: Some(2000.0), ..soft };
        assert!(!killed(&hard, 2000.0));
        assert!(killed(&hard, 2000.1));
    }

    #[test]
    fn killed_instances_lose_their_share_of_the_backlog() {
        assert_eq!(surviving_backlog(1000.0, 1, 4), 750.0);
        assert_eq!(surviving_backlog(1000.0, 4, 4), 0.0);
        assert_eq!(surviving_backlog(1000.0, 0, 0), 0.0);
    }
}
