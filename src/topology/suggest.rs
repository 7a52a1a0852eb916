//! Nearest-name suggestions ("did you mean `capacity`?") by edit distance.

/// The edit distance between `a` and `b` in characters: insertions, deletions,
/// substitutions and swaps of two neighbours (`wbe` -> `web`) each count 1.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if one is close enough to be a likely typo.
///
/// Close enough: at most a third of the word's length in edits (at least 1),
/// or one name contains the other.
pub fn nearest<'a, I, S>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + 'a + ?Sized,
{
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| c.as_ref())
        .filter(|c| !c.is_empty())
        .map(|c| {
            let cl = c.to_ascii_lowercase();
            let d = edit_distance(&lower, &cl);
            let contained = lower.len() >= 3 && (cl.contains(&lower) || lower.contains(&cl));
            (d, contained, c)
        })
        .filter(|(d, contained, _)| *d <= limit || *contained)
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, _, c)| c)
}

/// `; did you mean `x`?` for the nearest candidate, or an empty string.
pub fn did_you_mean<'a, I, S>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + 'a + ?Sized,
{
    match nearest(word, candidates) {
        Some(n) => format!("; did you mean `{n}`?"),
        None => String::new(),
    }
}

/// The most names [`list`] spells out; the rest are counted.
pub const LIST_MAX: usize = 30;

/// Lists names as "`a`, `b` and `c`" (or "none"); past [`LIST_MAX`] names, the rest
/// are counted ("`a`, `b`, ... and 99988 more"), so a message stays short on a large topology.
pub fn list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().take(LIST_MAX).map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.len() {
        0 => "none".to_string(),
        1 => quoted[0].clone(),
        _ if names.len() > LIST_MAX => format!("{} and {} more", quoted.join(", "), names.len() - LIST_MAX),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("capasity", "capacity"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("wbe", "web"), 1);
    }

    #[test]
    fn nearest_finds_typos_only() {
        let keys = ["instances", "capacity", "latency"];
        assert_eq!(nearest("capasity", &keys), Some("capacity"));
        assert_eq!(nearest("instance", &keys), Some("instances"));
        assert_eq!(nearest("zzz", &keys), None);
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        let many: Vec<String> = (0..100_000).map(|i| format!("s{i}")).collect();
        let text = list(&many);
        assert!(text.starts_with("`s0`, `s1`,") && text.ends_with("`s29` and 99970 more"), "{text}");
    }
}
