//! Key paths of the values being checked: copies on the stack that borrow their names, made strings only for a problem.

use std::fmt;
use std::ops::Deref;

/// One step of a key path: a key, or an index into an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

impl fmt::Display for Seg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Seg::Key(k) => f.write_str(k),
            Seg::Index(i) => write!(f, "{i}"),
        }
    }
}

impl<'a> From<&'a str> for Seg<'a> {
    fn from(key: &'a str) -> Seg<'a> {
        Seg::Key(key)
    }
}

impl<'a> From<&'a String> for Seg<'a> {
    fn from(key: &'a String) -> Seg<'a> {
        Seg::Key(key)
    }
}

impl<'a> From<&&'a str> for Seg<'a> {
    fn from(key: &&'a str) -> Seg<'a> {
        Seg::Key(key)
    }
}

impl From<usize> for Seg<'_> {
    fn from(index: usize) -> Self {
        Seg::Index(index)
    }
}

/// Steps held in place; deeper paths (none in the format today) spill to the heap.
const INLINE: usize = 8;

/// A key path built without allocating while it is at most [`INLINE`] steps deep.
#[derive(Debug, Clone)]
pub struct KeyPath<'a> {
    inline: [Seg<'a>; INLINE],
    len: usize,
    spill: Vec<Seg<'a>>,
}

impl<'a> KeyPath<'a> {
    /// The path of `segs`.
    pub fn of(segs: &[Seg<'a>]) -> KeyPath<'a> {
        let mut path = KeyPath { inline: [Seg::Index(0); INLINE], len: 0, spill: Vec::new() };
        if segs.len() <= INLINE {
            path.inline[..segs.len()].copy_from_slice(segs);
            path.len = segs.len();
        } else {
            path.spill = segs.to_vec();
        }
        path
    }
}

impl<'a> Deref for KeyPath<'a> {
    type Target = [Seg<'a>];

    fn deref(&self) -> &[Seg<'a>] {
        if self.spill.is_empty() { &self.inline[..self.len] } else { &self.spill }
    }
}

/// `base` extended by one step. O(depth), no allocation up to [`INLINE`] steps.
pub fn sub<'a>(base: &[Seg<'a>], seg: impl Into<Seg<'a>>) -> KeyPath<'a> {
    let seg = seg.into();
    if base.len() < INLINE {
        let mut path = KeyPath::of(base);
        path.inline[base.len()] = seg;
        path.len += 1;
        path
    } else {
        let mut spill = Vec::with_capacity(base.len() + 1);
        spill.extend_from_slice(base);
        spill.push(seg);
        KeyPath { inline: [Seg::Index(0); INLINE], len: 0, spill }
    }
}

/// A key path in any of its forms, as the strings a reported problem keeps.
pub trait ToPath {
    fn to_path(&self) -> Vec<String>;
}

impl ToPath for [Seg<'_>] {
    fn to_path(&self) -> Vec<String> {
        self.iter().map(Seg::to_string).collect()
    }
}

impl ToPath for KeyPath<'_> {
    fn to_path(&self) -> Vec<String> {
        self.deref().to_path()
    }
}

impl<const N: usize> ToPath for [Seg<'_>; N] {
    fn to_path(&self) -> Vec<String> {
        self[..].to_path()
    }
}

impl ToPath for [String] {
    fn to_path(&self) -> Vec<String> {
        self.to_vec()
    }
}

impl ToPath for Vec<String> {
    fn to_path(&self) -> Vec<String> {
        self.clone()
    }
}

impl<const N: usize> ToPath for [String; N] {
    fn to_path(&self) -> Vec<String> {
        self.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_same_strings_at_any_depth() {
        let base = [Seg::from("services"), Seg::from("api")];
        let mut path = sub(&base, "calls");
        for i in 0..12 {
            path = sub(&path, i);
            let want: Vec<String> = ["services", "api", "calls"]
                .iter()
                .map(|s| s.to_string())
                .chain((0..=i).map(|j| j.to_string()))
                .collect();
            assert_eq!(path.to_path(), want);
        }
    }
}
