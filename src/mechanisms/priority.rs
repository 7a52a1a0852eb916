//! Priority and fair share: when a service is short of capacity, higher
//! priorities are served first, and equal priorities share in proportion to demand.

/// The fraction of each class's demand admitted within `capacity`.
///
/// `classes` are `(priority, demand [req/s])`; returns one fraction per class.
/// O(n log n).
pub fn admit(classes: &[(i32, f64)], capacity: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(classes[i].0));
    let mut admitted = vec![1.0; classes.len()];
    let mut left = capacity.max(0.0);
    let mut i = 0;
    while i < order.len() {
        let prio = classes[order[i]].0;
        let group: Vec<usize> = order[i..].iter().copied().take_while(|&j| classes[j].0 == prio).collect();
        let demand: f64 = group.iter().map(|&j| classes[j].1).sum();
        let share = if demand <= left || demand <= 0.0 { 1.0 } else { left / demand };
        for &j in &group {
            admitted[j] = share;
        }
        left = (left - demand).max(0.0);
        i += group.len();
    }
    admitted
}

/// How much longer (over 1) or shorter (under 1) each class waits in a
/// queue that serves higher priorities first than in a first-come queue
/// with the same load.
///
/// `classes` are `(priority, admitted rate [req/s])`; `capacity` [req/s];
/// `utilisation` is the whole queue's (at most `queueing::SATURATION`).
/// Non-preemptive priority with one service time for all (Cobham): the mean
/// wait of class k is `W0 / ((1 - σ_above)(1 - σ_k))` where `σ_above` is the
/// utilisation of the classes above it and `σ_k` adds its own, against
/// `W0 / (1 - σ)` first-come. O(n²) in the classes (a handful).
pub fn wait_factors(classes: &[(i32, f64)], capacity: f64, utilisation: f64) -> Vec<f64> {
    if capacity <= 0.0 {
        return vec![1.0; classes.len()];
    }
    let total: f64 = classes.iter().map(|c| c.1).sum::<f64>() / capacity;
    // The classes' shares of the queue's utilisation, as capped.
    let scale = if total > 0.0 { utilisation.min(total) / total } else { 0.0 };
    let busy = |keep: &dyn Fn(i32) -> bool| -> f64 {
        classes.iter().filter(|c| keep(c.0)).map(|c| c.1).sum::<f64>() / capacity * scale
    };
    let sigma = busy(&|_| true);
    classes
        .iter()
        .map(|&(p, _)| {
            let above = busy(&|q| q > p);
            let through = busy(&|q| q >= p);
            (1.0 - sigma) / ((1.0 - above) * (1.0 - through))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_class_waits_less_and_the_last_more() {
        // 600/s important and 50/s bulk on 650/s at 98%: σ = 0.98, σ_vip = 0.905.
        let f = wait_factors(&[(1, 600.0), (0, 50.0)], 650.0, 0.98);
        let vip_sigma = 600.0 / 650.0 * (0.98 / 1.0);
        assert!((f[0] - 0.02 / (1.0 - vip_sigma)).abs() < 1e-12, "{f:?}");
        assert!((f[1] - 0.02 / ((1.0 - vip_sigma) * 0.02)).abs() < 1e-9, "{f:?}");
        // One class, or equal priorities: first come, first served.
        assert_eq!(wait_factors(&[(0, 10.0), (0, 30.0)], 100.0, 0.4), [1.0, 1.0]);
    }

    #[test]
    fn the_mean_wait_is_conserved() {
        // Work conservation: the rate-weighted mean of the factors is 1.
        let classes = [(2, 30.0), (1, 20.0), (0, 40.0)];
        let f = wait_factors(&classes, 100.0, 0.9);
        let mean: f64 = classes.iter().zip(&f).map(|(c, f)| c.1 * f).sum::<f64>() / 90.0;
        assert!((mean - 1.0).abs() < 1e-12, "{f:?} mean {mean}");
    }

    #[test]
    fn enough_capacity_admits_everyone() {
        assert_eq!(admit(&[(0, 10.0), (5, 20.0)], 100.0), [1.0, 1.0]);
    }

    #[test]
    fn higher_priorities_are_served_first() {
        assert_eq!(admit(&[(0, 100.0), (5, 60.0)], 80.0), [0.2, 1.0]);
    }

    #[test]
    fn equal_priorities_share_in_proportion() {
        assert_eq!(admit(&[(1, 100.0), (1, 300.0)], 200.0), [0.5, 0.5]);
    }
}
