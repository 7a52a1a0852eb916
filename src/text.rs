//! Text from a topology or a user, made safe to show: control characters never reach a terminal, an SVG file or a message raw.

use std::borrow::Cow;

/// Whether `c` must not be shown raw: a control character other than newline and tab
/// (ESC starts terminal sequences, NUL and most C0 codes are not allowed in XML), or a
/// bidirectional override, which reorders what is shown around it.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first character of `text` that must not be shown raw, if any.
pub fn unsafe_char(text: &str) -> Option<char> {
    // Printable ASCII, newlines and tabs hold nothing to look for: skipped byte by byte, which
    // leaves a character boundary.
    let start = text.bytes().position(|b| !matches!(b, b' '..=b'~' | b'\n' | b'\t'))?;
    text[start..].chars().find(|&c| is_unsafe(c))
}

/// `text` with each character that must not be shown raw replaced by a visible stand-in of one
/// column: a C0 control by its Unicode control picture (`␛` for ESC, `␀` for NUL), DEL by `␡`,
/// anything else by `�`. Newlines and tabs stay.
pub fn printable(text: &str) -> Cow<'_, str> {
    if unsafe_char(text).is_none() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if is_unsafe(c) { stand_in(c) } else { c }).collect())
}

fn stand_in(c: char) -> char {
    match c as u32 {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}'),
        0x7f => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

/// `message` (a parser's) with the program's own type names replaced by what they are in the
/// file: `expected struct Spec with 8 elements` reads `expected an object`.
pub fn without_type_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("struct ").or_else(|| rest.find("enum ")) {
        let (word, what) =
            if rest[i..].starts_with("struct ") { ("struct ", "an object") } else { ("enum ", "a known name") };
        let after = &rest[i + word.len()..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        if name_len == 0 || !after.starts_with(|c: char| c.is_ascii_uppercase()) {
            out.push_str(&rest[..i + word.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..i]);
        out.push_str(what);
        rest = &after[name_len..];
        // "with 8 elements": the count of the type's fields, meaningless to the reader.
        if let Some(tail) = rest.strip_prefix(" with ")
            && let Some(end) = tail.find(" elements")
            && tail[..end].chars().all(|c| c.is_ascii_digit())
        {
            rest = &tail[end + " elements".len()..];
        }
    }
    out.push_str(rest);
    out
}

/// Names a character for a message: `U+001B`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_stand_ins() {
        assert_eq!(printable("plain, with\nnewline and\ttab"), "plain, with\nnewline and\ttab");
        assert_eq!(printable("a\u{1b}[2Jb\0c\u{7f}"), "a\u{241b}[2Jb\u{2400}c\u{2421}");
        assert_eq!(printable("\r\u{9b}\u{202e}x"), "\u{240d}\u{FFFD}\u{FFFD}x");
        assert_eq!(unsafe_char("ok é λ"), None);
        assert_eq!(unsafe_char("x\u{7}"), Some('\u{7}'));
        assert_eq!(code_point('\u{1b}'), "U+001B");
    }

    #[test]
    fn type_names_leave_parser_messages() {
        assert_eq!(
            without_type_names("invalid length 0, expected struct Spec with 8 elements at line 1 column 11"),
            "invalid length 0, expected an object at line 1 column 11"
        );
        assert_eq!(
            without_type_names("invalid type: integer `1`, expected struct Report"),
            "invalid type: integer `1`, expected an object"
        );
        assert_eq!(without_type_names("expected enum MilestoneKind"), "expected a known name");
        assert_eq!(without_type_names("a struct field, an enum value"), "a struct field, an enum value");
    }
}
