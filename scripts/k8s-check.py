#!/usr/bin/env python3
"""Checks the Kubernetes recipe in docs/sweeps.md without a cluster.

Renders the Indexed Job manifest from the docs, validates the fields a Job
needs, then expands its shell command for every completion index with a
stand-in `blastsim` that records its arguments: each shard 1..N must be run
exactly once, into its own output directory, with the same sweep otherwise.
Usage: scripts/k8s-check.py   (needs PyYAML: pip install pyyaml)
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    print(f"k8s-check: {msg}")
    sys.exit(1)


def manifest():
    text = open(os.path.join(ROOT, "docs", "sweeps.md"), encoding="utf-8").read()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "kind: Job" in b]
    if len(blocks) != 1:
        fail(f"expected one Job manifest in docs/sweeps.md, found {len(blocks)}")
    return yaml.safe_load(blocks[0])


def main():
    job = manifest()
    if job.get("apiVersion") != "batch/v1" or job.get("kind") != "Job":
        fail("the manifest is not a batch/v1 Job")
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        fail("completionMode must be Indexed for JOB_COMPLETION_INDEX to be set")
    n = spec["completions"]
    if not isinstance(n, int) or n < 1 or not 1 <= spec.get("parallelism", 1) <= n:
        fail("completions must be a positive integer and parallelism within 1..completions")
    pod = spec["template"]["spec"]
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        fail("a Job's pods need restartPolicy Never or OnFailure")
    (container,) = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"] for v in pod.get("volumes", [])}
    if not mounts or set(mounts) - volumes:
        fail("every volumeMount needs a volume of the same name")
    command = container["command"] + container["args"]
    if command[:2] != ["/bin/sh", "-c"]:
        fail("the recipe's command runs through /bin/sh -c")

    with tempfile.TemporaryDirectory() as tmp:
        stub = os.path.join(tmp, "blastsim")
        with open(stub, "w") as f:
            f.write('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
        os.chmod(stub, 0o755)
        runs = []
        for index in range(n):
            env = dict(os.environ, PATH=f"{tmp}:{os.environ['PATH']}", JOB_COMPLETION_INDEX=str(index))
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
            runs.append(out)
    shards = [r[r.index("--shard") + 1] for r in runs]
    outs = [r[r.index("--out") + 1] for r in runs]
    if sorted(shards) != sorted(f"{k}/{n}" for k in range(1, n + 1)):
        fail(f"the completions do not run shards 1..{n} once each: {shards}")
    if len(set(outs)) != n or not all(any(o.startswith(p) for p in mounts.values()) for o in outs):
        fail(f"each shard needs its own output directory on the mounted volume: {outs}")
    rest = {tuple(a for i, a in enumerate(r) if i not in (r.index("--shard") + 1, r.index("--out") + 1)) for r in runs}
    if len(rest) != 1 or next(iter(rest))[0] != "sweep":
        fail("every completion must run the same `blastsim sweep` apart from --shard and --out")
    print(f"k8s-check: the Indexed Job runs shards 1..{n} once each into {n} directories on the volume")


if __name__ == "__main__":
    main()
