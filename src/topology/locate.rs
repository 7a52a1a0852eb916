//! Finds where a dotted key path sits in the source text, to point errors at it.

use std::ops::Range;
use toml_edit::{Document, Item, Value};

/// What of a key/value pair a problem points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The key itself (unknown or misplaced keys).
    Key,
    /// The value (wrong or out-of-range values).
    Value,
}

/// A parsed document that keeps the spans of its keys and values.
pub struct Locator {
    doc: Option<Document<String>>,
}

impl Locator {
    pub fn new(text: &str) -> Locator {
        Locator {
            doc: Document::parse(text.to_string()).ok(),
        }
    }

    /// The span of `path` (segments; numbers index arrays), or of the deepest
    /// part of it that exists (a missing key points at the table that lacks it).
    pub fn span(&self, path: &[String], target: Target) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        let mut node = Node::Item(doc.as_item());
        let mut best: Option<Range<usize>> = None;
        for (i, seg) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            match node.child(seg) {
                Some((key_span, child)) => {
                    let value_span = child.span();
                    best = if last && target == Target::Key {
                        key_span.or(value_span).or(best)
                    } else if last {
                        value_span.or(key_span).or(best)
                    } else {
                        header_or(key_span, value_span, &child).or(best)
                    };
                    node = child;
                }
                None => break,
            }
        }
        best
    }

    /// The key path of the key or value whose span holds `span` (the innermost one).
    pub fn key_at(&self, span: Range<usize>) -> Option<Vec<String>> {
        let doc = self.doc.as_ref()?;
        let mut path = Vec::new();
        find(Node::Item(doc.as_item()), &span, &mut path).then_some(path)
    }
}

fn find(node: Node, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    let holds = |r: Option<Range<usize>>| {
        r.is_some_and(|r| r.start <= span.start && span.end <= r.end.max(r.start + 1))
    };
    let children: Vec<(String, Option<Range<usize>>, Node)> = match node {
        Node::Item(Item::ArrayOfTables(a)) => a
            .iter()
            .enumerate()
            .map(|(i, t)| (i.to_string(), None, Node::Table(t)))
            .collect(),
        Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), None, Node::Value(v)))
            .collect(),
        Node::Item(item) => match item.as_table_like() {
            Some(t) => t
                .iter()
                .filter_map(|(k, _)| t.get_key_value(k))
                .map(|(k, v)| (k.get().to_string(), k.span(), Node::Item(v)))
                .collect(),
            None => Vec::new(),
        },
        Node::Table(t) => t
            .iter()
            .filter_map(|(k, _)| t.get_key_value(k))
            .map(|(k, v)| (k.get().to_string(), k.span(), Node::Item(v)))
            .collect(),
        Node::Value(Value::InlineTable(t)) => t
            .iter()
            .filter_map(|(k, _)| t.get_key_value(k))
            .map(|(k, v)| (k.get().to_string(), k.span(), Node::Item(v)))
            .collect(),
        Node::Value(_) => Vec::new(),
    };
    for (name, key_span, child) in children {
        path.push(name);
        if holds(key_span) || find(child, span, path) {
            return true;
        }
        if holds(child.span()) {
            return true;
        }
        path.pop();
    }
    false
}

fn header_or(
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
    node: &Node,
) -> Option<Range<usize>> {
    match node {
        // A `[table]` header spans the header line; point there rather than at the last path key.
        Node::Item(Item::Table(_)) | Node::Table(_) => value.or(key),
        _ => key.or(value),
    }
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a toml_edit::Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(&self) -> Option<Range<usize>> {
        match self {
            Node::Item(item) => item.span(),
            Node::Table(t) => t.span(),
            Node::Value(v) => v.span(),
        }
    }

    fn child(&self, seg: &str) -> Option<(Option<Range<usize>>, Node<'a>)> {
        let index: Option<usize> = seg.parse().ok();
        match *self {
            Node::Item(item) => {
                if let (Some(i), Item::ArrayOfTables(a)) = (index, item) {
                    return a.get(i).map(|t| (None, Node::Table(t)));
                }
                if let (Some(i), Item::Value(Value::Array(a))) = (index, item) {
                    return a.get(i).map(|v| (None, Node::Value(v)));
                }
                let (key, child) = item.as_table_like()?.get_key_value(seg)?;
                Some((key.span(), Node::Item(child)))
            }
            Node::Table(t) => {
                let (key, child) = t.get_key_value(seg)?;
                Some((key.span(), Node::Item(child)))
            }
            Node::Value(Value::Array(a)) => a.get(index?).map(|v| (None, Node::Value(v))),
            Node::Value(Value::InlineTable(t)) => {
                let (key, child) = t.get_key_value(seg)?;
                Some((key.span(), Node::Item(child)))
            }
            Node::Value(_) => None,
        }
    }
}

/// Converts a byte offset to a 1-based line and column (in characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
