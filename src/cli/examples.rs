//! The examples each command's `--help` ends with (run as written from the repository's root).

pub const RUN: &str = "Examples:
  blastsim run topologies/three-tier-slow-db.toml
  blastsim run topologies/aws-kinesis-2020-11-25.toml --out out/kinesis
  blastsim run topologies/three-tier-slow-db.toml --set services.api.threads.workers=1200 \\
      --format json
  blastsim run topologies/aws-kinesis-2020-11-25.toml --variant cells --seed 3";

pub const COMPARE: &str = "Examples:
  blastsim compare topologies/retry-storm.toml
  blastsim compare topologies/aws-kinesis-2020-11-25.toml --runs 10 --out out/compare";

pub const SWEEP: &str = "Examples:
  blastsim sweep topologies/three-tier-slow-db.toml \\
      --param 'services.api.threads.workers=300..1200:4' --runs 3
  blastsim sweep topologies/aws-kinesis-2020-11-25.toml --param 'scenario.2.rate=100/h..600/h:6' \\
      --set 'duration=\"48h\"' --service kinesis --shard 1/4 --out shards/1";

pub const MERGE: &str = "Examples:
  blastsim merge --out results shards/1 shards/2 shards/3 shards/4
  blastsim merge --out results shards/*
  blastsim merge --out fitted fit-shards/*     # shards of `blastsim fit --shard K/N`";

pub const CHECK: &str = "Examples:
  blastsim check topologies/aws-kinesis-2020-11-25.toml
  blastsim check topologies/three-tier-slow-db.toml --set services.db.capacity=\\\"900/s\\\"";

pub const GRAPH: &str = "Examples:
  blastsim graph topologies/three-tier-slow-db.toml | dot -Tsvg > graph.svg
  blastsim graph topologies/aws-kinesis-2020-11-25.toml --format mermaid \\
      --report out/kinesis/report.json";

pub const COMPLETIONS: &str = "Examples:
  blastsim completions bash > /etc/bash_completion.d/blastsim
  blastsim completions zsh > \"${fpath[1]}/_blastsim\"
  blastsim completions fish > ~/.config/fish/completions/blastsim.fish";

pub const MAN: &str = "Examples:
  blastsim man > blastsim.1 && man ./blastsim.1";
