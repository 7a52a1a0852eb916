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

#[cfg(test)]
mod tests {
    use super::*;

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
