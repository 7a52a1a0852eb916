"""Runs topologies/bistable-retries.toml in blastsim over seeds and says which collapse.

Usage: python3 bistable_seeds.py BLASTSIM SEEDS [--set KEY=VALUE]...
(run from the repository's root). Each seed (1..SEEDS) runs the topology as
shipped, for its 2 hours, with `--out`; the client's answered share over the
last 10 minutes decides "collapsed" (under one half), and the first 10
minutes under one half "tipped_s", as bistable.py decides them for SimPy. Prints one JSON line per seed, then the collapsed seeds.
"""
import csv
import subprocess
import sys
import tempfile

from bistable import STEP_S, first_low, over_seeds


def run(binary, seed, sets):
    with tempfile.TemporaryDirectory() as out:
        args = [binary, "run", "topologies/bistable-retries.toml", "--seed", str(seed), "--out", out]
        for s in sets:
            args += ["--set", s]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        with open(f"{out}/timeseries.csv") as f:
            rows = [r for r in csv.DictReader(f) if r["service"] == "client"]
    ok = [float(r["served"]) for r in rows]
    failed = [float(r["failed"]) for r in rows]
    tipped, collapsed = first_low(ok, failed)
    answered = sum(ok) / (sum(ok) + sum(failed))
    return {"seed": seed, "collapsed": collapsed, "tipped_s": tipped, "answered": round(answered, 4)}


def main():
    binary, seeds = sys.argv[1], int(sys.argv[2])
    sets = [a for i, a in enumerate(sys.argv[3:]) if sys.argv[3 + i - 1] == "--set"]
    over_seeds(seeds, lambda seed: run(binary, seed, sets))


if __name__ == "__main__":
    main()
