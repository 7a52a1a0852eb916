//! Keeping coinciding curves visible: where curves run together, they share the line in alternating dashes.

/// Length of one dash [px].
pub const DASH_PX: f64 = 9.0;

/// For each curve and each of its points, the set (bit i = curve i) of the
/// curves that pass within `tol` of it there, itself included. Only the first
/// 64 curves can coincide; the rest always stand alone.
pub fn coincidence(curves: &[&[(f64, f64)]], tol: f64) -> Vec<Vec<u64>> {
    curves
        .iter()
        .enumerate()
        .map(|(i, points)| {
            let own = if i < 64 { 1u64 << i } else { 0 };
            points
                .iter()
                .enumerate()
                .map(|(k, &(t, v))| {
                    let mut mask = own;
                    if i >= 64 {
                        return mask;
                    }
                    for (j, other) in curves.iter().enumerate().take(64) {
                        if j == i {
                            continue;
                        }
                        let w = match other.get(k) {
                            Some(&(tj, vj)) if tj == t => Some(vj),
                            _ => value_at(other, t),
                        };
                        if w.is_some_and(|w| (w - v).abs() <= tol) {
                            mask |= 1 << j;
                        }
                    }
                    mask
                })
                .collect()
        })
        .collect()
}

/// The curve's value at `t`, linear between its points; `None` outside them.
fn value_at(points: &[(f64, f64)], t: f64) -> Option<f64> {
    let first = points.first()?;
    let last = points.last()?;
    if t < first.0 || t > last.0 {
        return None;
    }
    let hi = points.partition_point(|p| p.0 < t).min(points.len() - 1);
    let (a, b) = (points[hi.saturating_sub(1)], points[hi]);
    Some(if b.0 == a.0 { b.1 } else { a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0) })
}

/// The share of curve `i`'s points where curve `j` runs with it.
pub fn shared(masks: &[Vec<u64>], i: usize, j: usize) -> f64 {
    if j >= 64 || masks[i].is_empty() {
        return 0.0;
    }
    masks[i].iter().filter(|m| *m & (1 << j) != 0).count() as f64 / masks[i].len() as f64
}

/// The polylines to stroke for curve `i`, given its points in pixels and its
/// coincidence masks: alone, or first of the curves it runs with, the line is
/// solid; otherwise only its share of a dash pattern that cycles through the
/// coinciding curves (its rank among them picks its dash), so each colour
/// shows in turn along a shared line. Polylines also break where the line
/// turns back vertically, so thick strokes never join at a sharp angle.
pub fn strokes(i: usize, pixels: &[(f64, f64)], masks: &[u64]) -> Vec<Vec<(i32, i32)>> {
    let mut out: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut line: Vec<(i32, i32)> = Vec::new();
    let mut direction = 0i32;
    let mut s = 0.0;
    let below = if i < 64 { (1u64 << i) - 1 } else { u64::MAX };
    let flush = |line: &mut Vec<(i32, i32)>, out: &mut Vec<Vec<(i32, i32)>>| {
        if line.len() >= 2 {
            out.push(std::mem::take(line));
        } else {
            line.clear();
        }
    };
    let round = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    for k in 1..pixels.len() {
        let (a, b) = (pixels[k - 1], pixels[k]);
        let mask = masks.get(k - 1).copied().unwrap_or(0) & masks.get(k).copied().unwrap_or(0);
        let group = mask.count_ones().max(1) as usize;
        let rank = (mask & below).count_ones() as usize;
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        // Cut points along the segment: dash boundaries when dashed.
        let mut cuts = vec![0.0];
        if group > 1 && rank > 0 {
            let mut next = ((s / DASH_PX).floor() + 1.0) * DASH_PX;
            while next < s + len {
                cuts.push((next - s) / len);
                next += DASH_PX;
            }
        }
        cuts.push(1.0);
        for w in cuts.windows(2) {
            let mid = s + len * (w[0] + w[1]) / 2.0;
            let on = group <= 1 || rank == 0 || (mid / DASH_PX).floor() as usize % group == rank;
            let p = |f: f64| (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
            if !on {
                flush(&mut line, &mut out);
                continue;
            }
            let (from, to) = (round(p(w[0])), round(p(w[1])));
            if line.last() != Some(&from) {
                flush(&mut line, &mut out);
                line.push(from);
                direction = 0;
            }
            let dy = (to.1 - from.1).signum();
            if dy != 0 && direction != 0 && dy != direction {
                flush(&mut line, &mut out);
                line.push(from);
            }
            if dy != 0 {
                direction = dy;
            }
            if line.last() != Some(&to) {
                line.push(to);
            }
        }
        s += len;
    }
    flush(&mut line, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(v: f64) -> Vec<(f64, f64)> {
        (0..=100).map(|k| (k as f64, v)).collect()
    }

    #[test]
    fn identical_curves_coincide_everywhere_and_distinct_ones_nowhere() {
        let (a, b, c) = (flat(50.0), flat(50.0), flat(80.0));
        let masks = coincidence(&[&a, &b, &c], 0.5);
        assert!(masks[0].iter().all(|m| *m == 0b011));
        assert!(masks[1].iter().all(|m| *m == 0b011));
        assert!(masks[2].iter().all(|m| *m == 0b100));
        assert_eq!(shared(&masks, 1, 0), 1.0);
        assert_eq!(shared(&masks, 2, 0), 0.0);
    }

    #[test]
    fn curves_on_other_time_grids_are_compared_by_interpolation() {
        let a: Vec<(f64, f64)> = vec![(0.0, 0.0), (100.0, 100.0)];
        let b: Vec<(f64, f64)> = (0..=10).map(|k| (k as f64 * 10.0, k as f64 * 10.0)).collect();
        let masks = coincidence(&[&a, &b], 0.1);
        assert!(masks[1].iter().all(|m| *m == 0b11));
    }

    #[test]
    fn the_second_of_two_identical_curves_is_dashed_and_the_first_solid() {
        let pixels: Vec<(f64, f64)> = (0..=100).map(|k| (k as f64 * 2.0, 50.0)).collect();
        let both = vec![0b11u64; pixels.len()];
        let first = strokes(0, &pixels, &both);
        assert_eq!(first.len(), 1, "solid: one polyline");
        assert_eq!(first[0].first(), Some(&(0, 50)));
        assert_eq!(first[0].last(), Some(&(200, 50)));
        let second = strokes(1, &pixels, &both);
        assert!(second.len() >= 10, "dashed: {} pieces", second.len());
        for dash in &second {
            let len = dash.last().unwrap().0 - dash[0].0;
            assert!((1..=DASH_PX as i32 + 1).contains(&len), "{dash:?}");
        }
        let drawn: i32 = second.iter().map(|d| d.last().unwrap().0 - d[0].0).sum();
        assert!((80..=120).contains(&drawn), "half of the 200 px line: {drawn}");
        let alone = vec![0b10u64; pixels.len()];
        assert_eq!(strokes(1, &pixels, &alone).len(), 1, "alone again: solid");
    }

    #[test]
    fn three_curves_take_turns() {
        let pixels: Vec<(f64, f64)> = vec![(0.0, 10.0), (270.0, 10.0)];
        let all = vec![0b111u64; 2];
        let starts = |i| strokes(i, &pixels, &all).iter().map(|d| d[0].0).collect::<Vec<i32>>();
        assert_eq!(starts(1)[..3], [9, 36, 63]);
        assert_eq!(starts(2)[..3], [18, 45, 72]);
    }

    #[test]
    fn lines_break_where_they_turn_back() {
        let pixels = [(0.0, 0.0), (1.0, 50.0), (2.0, 0.0), (3.0, 50.0)];
        let alone = [1u64; 4];
        assert_eq!(strokes(0, &pixels, &alone).len(), 3);
    }
}
