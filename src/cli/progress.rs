//! The progress bar of long commands (`sweep`, `compare --runs`): runs done, rate, time left, on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// `{per_sec:1}`: indicatif reads the width of `per_sec` as its precision
/// (one decimal); `{per_sec:.1}` would be read as the colour number 1.
const TEMPLATE: &str = "{bar:40} {pos}/{len} runs  {per_sec:1}  {eta} left";

/// A bar of `len` runs on stderr; hidden with `hide` or when stderr is not a terminal.
pub fn bar(len: u64, hide: bool) -> ProgressBar {
    if hide || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    styled(ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()))
}

fn styled(bar: ProgressBar) -> ProgressBar {
    bar.set_style(ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_rate_has_at_most_one_decimal_and_no_colour() {
        let screen = Screen::default();
        let bar =
            styled(ProgressBar::with_draw_target(Some(10), ProgressDrawTarget::term_like(Box::new(screen.clone()))));
        bar.inc(3);
        std::thread::sleep(std::time::Duration::from_millis(20));
        bar.inc(1);
        bar.abandon();
        let text = screen.0.lock().unwrap().clone();
        // The bar redraws in place: the last draw follows the last `/10 runs`.
        let at = text.rfind("4/10 runs").expect("the bar was drawn");
        let line = text[at..].trim_end().to_string();
        assert!(!line.contains('\u{1b}'), "no escape sequences: {line:?}");
        let rate = line.split_whitespace().find(|w| w.ends_with("/s")).unwrap_or_default();
        let number = rate.trim_end_matches("/s").replace(',', "");
        let decimals = number.split_once('.').map_or(0, |(_, f)| f.len());
        // At most one decimal: a trailing zero is dropped (`198.0` shows as `198`).
        assert!(number.parse::<f64>().is_ok() && decimals <= 1, "{line:?}");
        assert!(line.contains("4/10 runs") && line.ends_with("left"), "{line:?}");
    }
}
