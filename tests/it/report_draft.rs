//! The post-mortem drafts `--out` writes: report.md as a snapshot, report.html self-contained and working in a real browser.

use crate::support::{blastsim, shipped};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KINESIS: &str = "aws-kinesis-2020-11-25";

fn run_out(topology: &str, dir: &Path) {
    blastsim().args(["run", &shipped(topology), "--out"]).arg(dir).assert().success();
}

#[test]
fn report_md_of_the_kinesis_reproduction() {
    let tmp = tempfile::tempdir().unwrap();
    run_out(KINESIS, tmp.path());
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    // Every published milestone is in the timeline beside the simulated one.
    assert!(md.contains("| 05:15:40 | kinesis | impact starts (availability below 99%) | 05:15 | +0.7 |"), "{md}");
    assert!(md.contains("![availability of each service over time, aws-kinesis-2020-11-25](recovery.png)"));
    insta::assert_snapshot!("report_md__aws-kinesis-2020-11-25", md);
}

#[test]
fn compare_writes_a_draft_with_the_variants_table() {
    let tmp = tempfile::tempdir().unwrap();
    blastsim().args(["compare", &shipped("retry-storm"), "--out"]).arg(tmp.path()).assert().success();
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Comparison: "), "{md}");
    assert!(md.contains("| run | impacted | error-minutes | full recovery | description |"), "{md}");
    assert!(md.contains("| baseline |"), "{md}");
    assert!(md.contains("![the lowest availability of any service over time, one curve per run](compare.png)"));
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert_self_contained(&html);
}

#[test]
fn compare_over_seeds_writes_a_draft_with_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    blastsim().args(["compare", &shipped("retry-storm"), "--runs", "2", "--out"]).arg(tmp.path()).assert().success();
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Comparison: "), "{md}");
    assert!(md.contains("over 2 seeds"), "{md}");
    assert!(
        md.contains("| run | impacted (any run) | error-minutes | full recovery | recovered | description |"),
        "{md}"
    );
    assert!(md.contains("| baseline |"), "{md}");
    assert_self_contained(&std::fs::read_to_string(tmp.path().join("report.html")).unwrap());
}

/// No address the page could fetch: no absolute URL, no element or API that loads anything.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for banned in [
        "http://",
        "https://",
        "//cdn",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "fetch(",
        "xmlhttprequest",
        "websocket",
        "eventsource",
        "sendbeacon",
        "importscripts",
        "<script src",
    ] {
        assert!(!lower.contains(banned), "report.html contains `{banned}`");
    }
    // `url(#arrow)` points inside the page; any other url() could fetch.
    assert_eq!(lower.matches("url(").count(), lower.matches("url(#").count(), "a url() outside the page");
    assert!(html.contains("default-src 'none'"), "a CSP forbids requests");
}

#[test]
fn report_html_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    run_out(KINESIS, tmp.path());
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert_self_contained(&html);
    for service in
        ["kinesis", "cloudwatch", "cognito", "eventbridge", "autoscaling", "lambda", "ecs", "eks", "shd-publisher"]
    {
        assert!(html.contains(&format!("\"name\":\"{service} (min ")), "{service} has a curve");
    }
}

/// Debian's `chromium` (or `chromium-browser`) on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Loads `page#selftest` headless, offline, in a fresh profile; returns the DOM and the browser's log.
fn load(browser: &Path, page: &Path, profile: &Path) -> (String, String) {
    let url = format!("file://{}#selftest", page.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            // Nothing resolves: a request that slipped through could not leave the machine.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let out_pipe = child.stdout.take().unwrap();
    let err_pipe = child.stderr.take().unwrap();
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let (out, err) = (read(Box::new(out_pipe)), read(Box::new(err_pipe)));
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (out.join().unwrap(), err.join().unwrap())
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

#[test]
fn report_html_works_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        assert!(!in_ci(), "CI=true but chromium is not installed: apt-get install -y chromium");
        eprintln!(
            "SKIPPED report_html_works_in_a_headless_browser: chromium is not installed (apt-get install -y chromium)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_out(KINESIS, &out);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let services: Vec<&str> =
        report["services"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();

    let (dom, log) = load(&browser, &out.join("report.html"), &tmp.path().join("profile"));
    let start = dom
        .find("<pre id=\"selftest-result\">")
        .unwrap_or_else(|| panic!("no self-test result in the DOM:\n{dom}\n{log}"));
    let body = &dom[start + "<pre id=\"selftest-result\">".len()..];
    let body = &body[..body.find("</pre>").expect("closed")];
    let result: serde_json::Value = serde_json::from_str(&unescape(body)).unwrap_or_else(|e| panic!("{e}: {body}"));

    assert_eq!(result["problems"], serde_json::json!([]), "console errors or blocked requests");
    for line in log.lines() {
        let console_error = line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("ERROR"));
        assert!(!console_error, "browser log: {line}");
    }
    let shown: Vec<&str> = result["services"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let drawn: Vec<&str> = result["drawn"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(shown.len(), services.len(), "{shown:?}");
    assert_eq!(drawn.len(), services.len(), "{drawn:?}");
    for service in &services {
        assert!(shown.iter().any(|s| s.starts_with(&format!("{service} "))), "{service} in the legend: {shown:?}");
        assert!(drawn.iter().any(|s| s.starts_with(&format!("{service} "))), "{service} drawn: {drawn:?}");
    }
    assert_eq!(result["hidden_after_toggle"], true, "a toggle hides its curve");
    assert_eq!(result["shown_after_second_toggle"], true, "and shows it again");
    let hover = &result["hover"];
    assert_eq!(hover["shown"], true, "{hover}");
    assert_eq!(hover["time"], hover["time_of_t"], "the tooltip gives the time under the pointer: {hover}");
    let num = |key: &str| hover[key].as_f64().unwrap_or_else(|| panic!("{key}: {hover}"));
    // The pointer went to the first curve's point mid-run, give or take a pixel.
    assert!((num("t") - num("expected_t")).abs() <= num("span") / 400.0, "{hover}");
    assert_eq!(hover["hot_name"], hover["expected_name"], "the curve under the pointer is picked out: {hover}");
    assert!((num("hot_value") - num("expected_value")).abs() < 1.0, "{hover}");
    let row = format!("{}: {:.2}%", hover["hot_name"].as_str().unwrap(), num("hot_value"));
    assert!(hover["tip"].as_str().unwrap().contains(&row), "the tooltip gives its value: {hover}");
    assert_eq!(result["zoomed"], true, "the wheel zooms the time axis");
    assert_eq!(result["reset"], true, "double-click resets it");
    assert_eq!(result["resources"], serde_json::json!([]), "the page fetched nothing");
}
