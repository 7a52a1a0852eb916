//! `blastsim generate`: topologies of any size that load, check and run.

use crate::support::blastsim;

#[test]
fn generated_topologies_pass_check_in_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    for shape in ["layered", "random"] {
        let path = dir.path().join(format!("{shape}.toml"));
        blastsim()
            .args(["generate", "--services", "200", "--shape", shape, "--seed", "3", "--fan-out", "3", "--out"])
            .arg(&path)
            .assert()
            .success();
        let out = blastsim().arg("check").arg(&path).assert().success().get_output().stdout.clone();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("ok (200 services"), "{shape}: {text}");
    }
}

#[test]
fn generate_prints_the_same_topology_for_the_same_seed() {
    let once = |seed: &str| {
        blastsim()
            .args(["generate", "--services", "50", "--shape", "random", "--seed", seed])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(once("5"), once("5"));
    assert_ne!(once("5"), once("6"));
}

#[test]
fn generate_refuses_sizes_it_cannot_write() {
    for args in [["--services", "0"], ["--services", "2000000"]] {
        let out = blastsim().arg("generate").args(args).assert().code(2).get_output().stderr.clone();
        assert!(String::from_utf8(out).unwrap().contains("`--services` must be 1 to 1000000"));
    }
    let out = blastsim()
        .args(["generate", "--services", "10", "--duration", "1h", "--at", "+2h"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("after the end of the run"));
}

#[test]
fn generate_refuses_layers_it_cannot_build() {
    let cases: [(&[&str], &str); 3] = [
        (&["--layers", "0"], "`--layers` must be 1 to the number of services (10), found 0"),
        (&["--layers", "11"], "`--layers` must be 1 to the number of services (10), found 11"),
        (&["--layers", "2", "--shape", "random"], "`--layers` shapes a layered topology"),
    ];
    for (args, message) in cases {
        let out = blastsim().args(["generate", "--services", "10"]).args(args).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} wrote a topology");
    }
}
