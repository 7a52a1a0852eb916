//! A long topology parsed a `[services.NAME]` table at a time, so the parser holds the tokens of one piece, not of the file.

use super::raw::{Ordered, RawService, RawTopology};
use super::validate;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashSet;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// The raw topology of `text`, read a piece at a time as [`parse`] splits it:
/// each piece's services are scanned and read into their raw form before the
/// next piece is parsed, so one piece's document is held at a time, never the
/// whole file's.
///
/// `None` where [`parse`] would decline, and wherever there is anything to
/// report: a key or value the scan flags ([`validate::scan`]), or one that
/// does not read as the raw form. The caller then reads the text the way that
/// places the problem. O(text).
pub fn read(text: &str) -> Option<RawTopology> {
    let starts = split_points(text)?;
    // One piece per service as a rule: sized once, nothing is moved or rehashed as they come.
    let mut services = Vec::with_capacity(starts.len());
    let mut names: HashSet<Cow<str>> = HashSet::with_capacity(starts.len());
    let mut doc = in_pieces(text, &starts, |doc, piece| {
        for (key, value) in piece {
            if key.get_ref() != "services" {
                put(doc, key, value)?;
                continue;
            }
            let DeValue::Table(table) = value.into_inner() else { return None };
            for (name, mut service) in table {
                if !names.insert(name.get_ref().clone()) || !validate::clean(name.get_ref(), service.get_ref()) {
                    return None;
                }
                validate::as_text(service.get_mut());
                let raw = RawService::deserialize(ValueDeserializer::from(service)).ok()?;
                services.push((name.into_inner().into_owned(), raw));
            }
        }
        Some(())
    })?;
    if !validate::scan(doc.get_ref()).is_empty() {
        return None;
    }
    validate::datetimes_as_text(doc.get_mut());
    let mut raw = RawTopology::deserialize(toml::de::Deserializer::from(doc)).ok()?;
    raw.services = Ordered(services);
    Some(raw)
}

/// The document of `text`, parsed in pieces split before each `[services.NAME]`
/// header line (a bare name, at the start of its line) and joined.
///
/// `None` when the pieces might not join as the whole text parses: when a piece
/// does not parse (a split inside a multi-line string leaves one unterminated),
/// when a key is defined in two pieces, or when the text before the first piece
/// or a `[services]` header defines the services table itself. The caller then
/// parses the whole text, which reports any error where it is. Keys come in the
/// order they first appear, as in one parse; the spans are the pieces' own,
/// good only for telling values apart, not for placing errors.
pub fn parse(text: &str) -> Option<Spanned<DeTable<'_>>> {
    in_pieces(text, &split_points(text)?, join)
}

/// The document of the text before the first `[services.NAME]` header, with
/// each piece's document (from each of `starts`, [`split_points`]) handed in
/// turn to `take` to add to it; `None` where [`parse`] declines or `take` does.
fn in_pieces<'a>(
    text: &'a str,
    starts: &[usize],
    mut take: impl FnMut(&mut DeTable<'a>, DeTable<'a>) -> Option<()>,
) -> Option<Spanned<DeTable<'a>>> {
    let mut doc = DeTable::parse(&text[..starts[0]]).ok()?;
    if doc.get_ref().contains_key("services") {
        return None;
    }
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        take(doc.get_mut(), DeTable::parse(&text[start..end]).ok()?.into_inner())?;
    }
    Some(doc)
}

/// Adds the keys of `piece` to `doc`: its services to the services table, the rest at the
/// top level; `None` if one is there already.
fn join<'a>(doc: &mut DeTable<'a>, piece: DeTable<'a>) -> Option<()> {
    for (key, value) in piece {
        if key.get_ref() == "services" {
            let DeValue::Table(services) = value.into_inner() else { return None };
            let all = doc.entry(key).or_insert_with(|| Spanned::new(0..0, DeValue::Table(DeTable::new())));
            let DeValue::Table(all) = all.get_mut() else { return None };
            for (name, service) in services {
                if all.insert(name, service).is_some() {
                    return None;
                }
            }
        } else {
            put(doc, key, value)?;
        }
    }
    Some(())
}

/// Adds a top-level `key = value` to `doc`; `None` if the key is there already.
fn put<'a>(doc: &mut DeTable<'a>, key: Spanned<Cow<'a, str>>, value: Spanned<DeValue<'a>>) -> Option<()> {
    doc.insert(key, value).is_none().then_some(())
}

/// Where each `[services.NAME]` header line starts; `None` when there is none or a
/// header names the services table itself.
fn split_points(text: &str) -> Option<Vec<usize>> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if is_service_header(line) {
            starts.push(at);
        } else if names_services(line) {
            return None;
        }
        at += line.len();
    }
    (!starts.is_empty()).then_some(starts)
}

/// `[services.NAME]` with a bare name, then only blanks or a comment.
fn is_service_header(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("[services.") else { return false };
    let Some((name, after)) = rest.split_once(']') else { return false };
    let after = after.trim_start_matches([' ', '\t']);
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && (after.is_empty() || after.starts_with(['#', '\n', '\r']))
}

/// A header of the services table itself (`[services]`, `[[services]]`, quoted or spaced).
fn names_services(line: &str) -> bool {
    let line = line.trim_start();
    let Some(inner) = line.strip_prefix('[') else { return false };
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let Some((key, _)) = inner.split_once(']') else { return false };
    let key: String = key.chars().filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect();
    key == "services"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The document as one parse reads it, and as the pieces do, as plain tables.
    fn both(text: &str) -> (Option<toml::Table>, Option<toml::Table>) {
        let whole = toml::from_str::<toml::Table>(text).ok();
        let pieces = parse(text).and_then(|d| toml::Table::deserialize(toml::de::Deserializer::from(d)).ok());
        (whole, pieces)
    }

    #[test]
    fn pieces_join_as_the_whole_text_parses() {
        let text = "name = \"x\"\n[services.a]\ninstances = 1\ncalls.b = {}\n\n[services.b]\n# c\n[services.b.load]\nkind = \"constant\"\n[[scenario]]\nat = \"+1m\"\n[services.c] # note\n";
        let (whole, pieces) = both(text);
        assert!(pieces.is_some());
        assert_eq!(whole, pieces);
        let keys: Vec<&String> = pieces.as_ref().map(|t| t.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["name", "services", "scenario"]);
    }

    #[test]
    fn declines_what_the_whole_parse_would_refuse_or_read_otherwise() {
        for text in [
            "[services.a]\nx = 1\n[services.a]\ny = 2\n",
            "[services.a]\n[services.b]\n[services.a.calls.x]\n",
            "services = { z = {} }\n[services.a]\n",
            "[services]\n[services.a]\n[services]\n",
            "[[scenario]]\n[services.a]\n[[scenario]]\n",
            "d = \"\"\"\n[services.a]\n\"\"\"\n",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
        assert!(parse("name = \"no services\"\n").is_none());
    }

    #[test]
    fn reading_in_pieces_gives_the_raw_form_of_one_parse() {
        let text = "name = \"x\"\nduration = \"1h\"\n[services.a]\ninstances = 2\ncalls.b = { retries = { max = 2 } }\n\n[services.b]\nload = { kind = \"steps\", steps = [{ at = 1979-05-27T07:32:00Z, rate = \"5/s\" }] }\n[[scenario]]\nat = \"+1m\"\naction = \"crash\"\n[services.c] # note\n[services.c.threads]\nworkers = 3\n";
        let read = read(text).map(|r| format!("{r:?}"));
        let whole = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| RawTopology::deserialize(toml::Value::Table(t)).ok())
            .map(|r| format!("{r:?}"));
        assert!(read.is_some());
        assert_eq!(read, whole);
    }

    #[test]
    fn reading_in_pieces_declines_what_there_is_to_report() {
        for text in [
            "[services.a]\nerror-rate = nan\n",
            "[services.a]\nnote = \"\\u0007\"\n",
            "[services.a]\nunknown = 1\n",
            "[services.a]\ninstances = \"two\"\n",
            "[services.a]\n[services.b]\n[services.a.calls.b]\n",
            "[services.a]\n[[scenario]]\nat = inf\n",
            "bogus = 1\n[services.a]\n",
        ] {
            assert!(read(text).is_none(), "{text}");
        }
    }
}
