//! Topology text indexed by line, so that locating and rendering each of many problems is a lookup, not a scan.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The text of a topology with the byte offset where each line starts.
///
/// Renders exactly as miette renders a plain string, but reads only the lines around a span:
/// 100,000 problems in a large file cost 100,000 lookups instead of 100,000 scans of the file.
#[derive(Debug, Clone)]
pub struct IndexedText {
    text: String,
    /// Byte offset of the start of each line; a line ends at `\n`, `\r\n` or a lone `\r`, as miette counts them.
    starts: Vec<usize>,
}

impl IndexedText {
    pub fn new(text: impl Into<String>) -> IndexedText {
        let text = text.into();
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 1;
                    starts.push(i + 1);
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        IndexedText { text, starts }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.starts[line].min(offset);
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

impl SourceCode for IndexedText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The window starts a line before the context and ends two lines after it, at line starts,
        // so miette's own reading of the window sees what it would see in the whole text.
        let first = self.line_of(span.offset().saturating_sub(1)).saturating_sub(context_lines_before + 1);
        let last_line = self.line_of((span.offset() + span.len()).saturating_sub(1));
        let end_line = last_line + context_lines_after + 2;
        let from = self.starts[first];
        let to = self.starts.get(end_line).copied().unwrap_or(self.text.len());
        if span.offset() < from || span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let window = &self.text.as_bytes()[from..to];
        let shifted = SourceSpan::new((span.offset() - from).into(), span.len());
        let inner = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = inner.data();
        let inner_span = SourceSpan::new((inner.span().offset() + from).into(), inner.span().len());
        Ok(Box::new(MietteSpanContents::new(
            data,
            inner_span,
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette reads from the plain string, and from the index, for every span of `text`.
    fn same_as_plain(text: &str) {
        let indexed = IndexedText::new(text);
        for start in 0..=text.len() {
            for len in 0..=(text.len() - start).min(12) {
                for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                    let span = SourceSpan::new(start.into(), len);
                    let want = text.read_span(&span, before, after);
                    let have = indexed.read_span(&span, before, after);
                    match (want, have) {
                        (Ok(w), Ok(h)) => {
                            let at = format!("{start}+{len} ({before},{after}) in {text:?}");
                            assert_eq!(w.data(), h.data(), "{at}");
                            assert_eq!(w.span(), h.span(), "{at}");
                            assert_eq!(
                                (w.line(), w.column(), w.line_count()),
                                (h.line(), h.column(), h.line_count()),
                                "{at}"
                            );
                        }
                        (Err(_), Err(_)) => {}
                        (w, h) => panic!("{start}+{len}: plain {:?}, indexed {:?}", w.is_ok(), h.is_ok()),
                    }
                }
            }
        }
    }

    #[test]
    fn reads_every_span_as_miette_reads_the_plain_text() {
        same_as_plain("a = 1\nb = \"x\"\n\n[c]\nd = 2\n");
        same_as_plain("one\r\ntwo\r\nthree");
        same_as_plain("x\ry\n\nz");
        same_as_plain("");
        same_as_plain("é = \"ü\"\nλ = 1\n");
        let long: String = (0..30).map(|i| format!("k{i} = {i}\n")).collect();
        same_as_plain(&long);
    }

    #[test]
    fn line_and_column_count_characters() {
        let t = IndexedText::new("ab\nçd = 1\n");
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(3), (2, 1));
        assert_eq!(t.line_col(6), (2, 3));
        assert_eq!(t.line_col(100), (3, 1));
    }
}
