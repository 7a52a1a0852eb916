"""Ciw versions of the M/M/c and Jackson models of benches/peers.rs (Ciw has no synchronous calls).

Usage: python3 ciw_models.py MODEL REQUESTS SEED, MODEL one of mmc, jackson.
Prints one JSON line: requests completed, wall and CPU seconds (Ciw does not count events).
"""
import json
import sys
import time

import ciw


def main():
    model, n, seed = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3])
    ciw.seed(seed)
    if model == "mmc":
        lam = 0.8 * 4 / 0.1
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=lam)],
            service_distributions=[ciw.dists.Exponential(rate=10.0)],
            number_of_servers=[4],
        )
    elif model == "jackson":
        lam = 6.0
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=lam), None, None],
            service_distributions=[
                ciw.dists.Exponential(rate=10.0),
                ciw.dists.Exponential(rate=4.0),
                ciw.dists.Exponential(rate=10.0),
            ],
            routing=[[0.0, 1.0, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]],
            number_of_servers=[1, 2, 1],
        )
    else:
        raise SystemExit(f"Ciw has no model {model}")
    sim = ciw.Simulation(network)
    start, cpu = time.perf_counter(), time.process_time()
    sim.simulate_until_max_time(n / lam)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    done = sum(1 for r in sim.get_all_records() if r.destination == -1)
    print(json.dumps({"peer": "ciw", "model": model, "requests": done, "events": None, "wall_s": wall, "cpu_s": cpu}))


if __name__ == "__main__":
    main()
