//! Tests of a fleet: crashes, restarts, merging cohorts, the census, scaling in and versions.

use super::*;

#[test]
fn crashed_instances_stay_in_rotation_until_removed() {
    let mut f = Fleet::new(10);
    assert_eq!(f.crash(3), 3);
    let c = f.census();
    assert_eq!((c.serving, c.dead_in_rotation, c.total), (7, 3, 10));
}

#[test]
fn restarted_instances_serve_after_startup() {
    let mut f = Fleet::new(4);
    f.restart(2, SimTime(0), Span(60_000), |_| true, |_| {});
    assert_eq!(f.census().serving, 2);
    assert_eq!(f.next_ready(), Some(SimTime(60_000)));
    assert_eq!(f.promote_ready(SimTime(59_999), None), 0);
    assert_eq!(f.promote_ready(SimTime(60_000), None), 2);
    assert_eq!(f.census().serving, 4);
    f.tidy();
    assert_eq!(f.cohorts.len(), 1, "identical cohorts merge");
}

#[test]
fn a_large_fleet_merges_its_twins_in_place_and_keeps_distinct_cohorts_in_order() {
    let mut f = Fleet::new(100);
    for r in 1..=40 {
        f.transition(1, |k| k.rolled == 0, |k| k.rolled = r);
    }
    f.tidy();
    let order: Vec<u32> = f.cohorts.iter().map(|k| k.rolled).collect();
    assert_eq!(order, (0..=40).collect::<Vec<_>>(), "all distinct: nothing moves");
    f.transition(2, |k| k.rolled == 0, |k| k.rolled = 5);
    f.transition(1, |k| k.rolled == 0, |k| k.rolled = 41);
    f.transition(1, |k| k.rolled == 0, |k| k.rolled = 7);
    f.tidy();
    let order: Vec<(u32, u32)> = f.cohorts.iter().map(|k| (k.rolled, k.count)).collect();
    assert_eq!(order.len(), 42);
    assert_eq!(order[5], (5, 3), "the twins joined the first one, in its place");
    assert_eq!(order[7], (7, 2));
    assert_eq!(order[41], (41, 1), "a distinct one moved up past the merged");
    assert_eq!(f.census().total, 100);
}

#[test]
fn tidy_gives_a_plain_first_come_merge_whatever_the_gaps() {
    // Twins and empty cohorts anywhere: the result is what merging each
    // cohort into the first equal one, in order, gives.
    for seed in 0..20u64 {
        let mut f = Fleet::new(1000);
        let mut x = seed * 7919 + 1;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as u32
        };
        for _ in 0..60 {
            let r = next() % 25 + 1;
            f.transition(1 + next() % 3, |k| k.rolled == 0, |k| k.rolled = r);
        }
        for k in f.cohorts.iter_mut() {
            if next() % 5 == 0 {
                k.count = 0;
            }
        }
        let mut expected: Vec<(u32, u32)> = Vec::new();
        for k in f.cohorts.iter().filter(|k| k.count > 0) {
            match expected.iter_mut().find(|e| e.0 == k.rolled) {
                Some(e) => e.1 += k.count,
                None => expected.push((k.rolled, k.count)),
            }
        }
        f.touch();
        f.tidy();
        let got: Vec<(u32, u32)> = f.cohorts.iter().map(|k| (k.rolled, k.count)).collect();
        assert_eq!(got, expected, "seed {seed}");
    }
}

/// What a tidy of every cohort gives: each non-empty cohort merged into the first with its key, in order.
fn first_come(f: &Fleet) -> Vec<(u32, [u64; 14])> {
    let mut out: Vec<(u32, [u64; 14])> = Vec::new();
    for k in f.cohorts.iter().filter(|k| k.count > 0) {
        let key = k.key(f.grid);
        match out.iter_mut().find(|e| e.1 == key) {
            Some(e) => e.0 += k.count,
            None => out.push((k.count, key)),
        }
    }
    out
}

#[test]
fn tidying_only_what_moved_since_the_last_tidy_merges_as_a_tidy_of_every_cohort() {
    // Restarts, launches, scale-ins, promotions, builds progressing and
    // finishing, peers learnt: after each tidy, the same cohorts in the same
    // order as merging them all from scratch.
    for seed in 0..12u64 {
        let mut f = Fleet::new(500);
        f.set_grid(Span(10_000));
        let mut x = seed * 104_729 + 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as u32
        };
        for t in 1..=150u64 {
            let now = SimTime(t * 10_000);
            match next() % 6 {
                0 => {
                    let r = next() % 4 + 1;
                    f.restart(
                        1 + next() % 5,
                        now,
                        Span(10_000 * (next() % 4) as u64),
                        |k| k.rolled != r,
                        |k| k.rolled = r,
                    );
                }
                1 => f.launch(1 + next() % 3, now, Span(10_000 * (next() % 3) as u64)),
                2 => {
                    f.remove(next() % 4);
                }
                _ => {}
            }
            f.promote_ready_with(now, || Some(30.0 + (t % 3) as f64 * 10.0));
            let (snap, step) = (next() % 3 == 0, 5.0 + (next() % 10) as f64);
            f.update(|k| {
                let mut moved = Moved::Nothing;
                if let Phase::Warming { progress_s, need_s, since } = k.phase {
                    let progress_s = progress_s + step;
                    if progress_s >= need_s {
                        k.phase = Phase::Serving;
                        k.in_rotation = true;
                        return Moved::Counted;
                    }
                    k.phase = Phase::Warming { progress_s, need_s, since };
                }
                if snap && k.known_peers != 500.0 {
                    k.known_peers = 500.0;
                    moved = Moved::Key;
                }
                moved
            });
            // As the warm-up pass does: what an update moved is looked at by the next tidy.
            f.mark_dirty();
            let expected = first_come(&f);
            f.tidy();
            let got: Vec<(u32, [u64; 14])> = f.cohorts.iter().map(|k| (k.count, k.key(f.grid))).collect();
            assert_eq!(got, expected, "seed {seed}, step {t}");
            let hashes: Vec<u64> = f.cohorts.iter().map(|k| k.quick_hash(f.grid)).collect();
            assert_eq!(f.moves.hashes, hashes, "the hashes kept for the next tidy");
            // A tidy with nothing moved is a no-op.
            f.mark_dirty();
            f.tidy();
            assert_eq!(f.cohorts.iter().map(|k| (k.count, k.key(f.grid))).collect::<Vec<_>>(), expected);
        }
    }
}

#[test]
fn promotion_skipped_until_the_first_start_up_ends_promotes_as_looking_every_time() {
    // One fleet is made to look at every cohort at every step
    // (`cohorts_mut` forgets when the next start-up ends); the other looks
    // only once a start-up may be over.
    let mut quick = Fleet::new(300);
    quick.set_grid(Span(10_000));
    let mut looking = quick.clone();
    let mut x = 99u64;
    let mut next = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let mut promoted = 0;
    for t in 1..=300u64 {
        let now = SimTime(t * 10_000);
        let (n, startup, warm) = ((next() % 4) as u32, Span(1_000 * (next() % 90)), next() % 2 == 0);
        for f in [&mut quick, &mut looking] {
            f.restart(n, now, startup, |k| k.phase == Phase::Serving, |_| {});
            if t % 7 == 0 {
                f.launch(1, now, Span(0));
            }
        }
        looking.cohorts_mut();
        let need = warm.then_some(20.0);
        let a = quick.promote_ready_with(now, || need);
        assert_eq!(a, looking.promote_ready(now, need), "step {t}");
        promoted += a;
        assert_eq!(quick.cohorts, looking.cohorts, "step {t}");
        quick.tidy();
        looking.tidy();
    }
    assert!(promoted > 100, "the fleets did promote: {promoted}");
}

#[test]
fn the_census_is_counted_again_only_after_a_change_it_sums() {
    let mut f = Fleet::new(10);
    f.restart(4, SimTime(0), Span(0), |_| true, |_| {});
    f.promote_ready(SimTime(0), Some(600.0));
    f.tidy();
    assert_eq!(f.census().warming, 4);
    // Progress is not counted: the census stays as it was.
    f.update(|k| {
        if let Phase::Warming { need_s, since, .. } = k.phase {
            k.phase = Phase::Warming { progress_s: 60.0, need_s, since };
        }
        Moved::Nothing
    });
    assert!(f.census.get().is_some(), "kept");
    f.update(|k| {
        let warming = matches!(k.phase, Phase::Warming { .. });
        if warming {
            k.phase = Phase::Serving;
            k.in_rotation = true;
        }
        if warming { Moved::Counted } else { Moved::Nothing }
    });
    assert_eq!((f.census().warming, f.census().serving), (0, 10));
    // A tidy that merges the twins counts again; one that finds nothing to do keeps the count.
    f.touch();
    f.tidy();
    assert_eq!(f.cohorts.len(), 1);
    let before = f.census();
    f.transition(3, |k| k.phase == Phase::Crashed, |_| {});
    f.tidy();
    assert!(f.census.get().is_some_and(|&(c, _)| c == before), "nothing moved, nothing merged");
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "unannounced")]
fn an_update_that_hides_a_counted_change_is_caught() {
    let mut f = Fleet::new(3);
    f.update(|k| {
        k.in_rotation = false;
        Moved::Key
    });
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "key changed unannounced")]
fn an_update_that_hides_a_new_key_is_caught() {
    let mut f = Fleet::new(3);
    f.update(|k| {
        k.known_peers = 2.0;
        Moved::Nothing
    });
}

#[test]
fn scale_in_removes_the_least_useful_first() {
    let mut f = Fleet::new(5);
    f.crash(1);
    f.launch(2, SimTime(0), Span(1000));
    assert_eq!(f.remove(3), 3);
    let c = f.census();
    assert_eq!((c.serving, c.total), (4, 4));
}

#[test]
fn versions_weigh_capacity_and_errors() {
    let mut f = Fleet::new(4);
    let v = Version { error_rate: 0.5, capacity_factor: 0.5, ..Version::default() };
    f.restart(2, SimTime(0), Span(0), |_| true, |k| k.version = v);
    f.promote_ready(SimTime(0), None);
    let c = f.census();
    assert_eq!(c.capacity_units, 3.0);
    assert_eq!(c.version_error, 0.25);
}

#[test]
fn a_census_keeps_its_count_number_until_it_is_counted_again() {
    let mut f = Fleet::new(10);
    let other = Fleet::new(10);
    let (first, n) = *f.counted_census();
    assert_eq!(f.counted_census().1, n, "read again, not counted again");
    assert_ne!(other.counted_census().1, n, "another fleet's count has its own number");
    f.crash(3);
    f.tidy();
    let (crashed, m) = *f.counted_census();
    assert_ne!(m, n);
    assert_ne!(crashed, first);
    // Undone, the census is counted again under a new number, equal to the first.
    f.cohorts_mut().iter_mut().for_each(|k| k.phase = Phase::Serving);
    f.touch();
    f.tidy();
    let (again, k) = *f.counted_census();
    assert!(k != n && k != m);
    assert_eq!(again, first);
}
