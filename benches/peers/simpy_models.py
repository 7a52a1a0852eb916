"""SimPy versions of the models benches/peers.rs runs in blastsim's requests mode.

Usage: python3 simpy_models.py MODEL REQUESTS SEED, MODEL one of mmc, jackson, sync.
Prints one JSON line: requests completed, events processed, wall and CPU seconds.
"""
import json
import random
import sys
import time

import simpy


def mmc(env, rng, n):
    # M/M/4 at 80%: exponential service of mean 100 ms.
    c, s, rho = 4, 0.1, 0.8
    lam = rho * c / s
    server = simpy.Resource(env, capacity=c)
    stats = {"done": 0}

    def customer():
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / s))
        stats["done"] += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    return n / lam, stats


def jackson(env, rng, n):
    # a (1 server, 100 ms) -> b (2 servers, 250 ms) -> c (1 server, 100 ms) for half of them.
    lam = 6.0
    a, b, c = simpy.Resource(env, 1), simpy.Resource(env, 2), simpy.Resource(env, 1)
    stats = {"done": 0}

    def visit(res, s):
        with res.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / s))

    def customer():
        yield from visit(a, 0.1)
        yield from visit(b, 0.25)
        if rng.random() < 0.5:
            yield from visit(c, 0.1)
        stats["done"] += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    return n / lam, stats


def sync(env, rng, n):
    # front (8 threads, 10 ms) holds its thread while calling back (4 threads, 50 ms) with a 1 s timeout.
    lam = 60.0
    front, back = simpy.Resource(env, 8), simpy.Resource(env, 4)
    stats = {"done": 0}

    def call(done):
        with back.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / 0.05))
        if not done.triggered:
            done.succeed()

    def customer():
        with front.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / 0.01))
            done = env.event()
            env.process(call(done))
            yield done | env.timeout(1.0)
        stats["done"] += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    return n / lam, stats


def main():
    model, n, seed = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3])
    env = simpy.Environment()
    rng = random.Random(seed)
    until, stats = {"mmc": mmc, "jackson": jackson, "sync": sync}[model](env, rng, n)
    events = 0
    start, cpu = time.perf_counter(), time.process_time()
    while env.peek() < until:
        env.step()
        events += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"peer": "simpy", "model": model, "requests": stats["done"], "events": events, "wall_s": wall, "cpu_s": cpu}))


if __name__ == "__main__":
    main()
