"""SimPy version of topologies/bistable-retries.toml, to compare how often it tips.

One server (exponential service of mean 100 ms) gets 9 requests/s (Poisson)
from a client that waits TIMEOUT for each call and retries a timed-out call up
to 4 times at once. What happens to a call its client gave up on is the
question (MODE):

- keep:     the server still serves it, queued or not (blastsim's default:
            the callee goes on working);
- withdraw: a call still queued leaves the queue, one in service is finished
            (the usual SimPy idiom, `yield req | env.timeout(t)`, cancels the
            queued request);
- cancel:   a queued call leaves the queue and one in service is cut
            (blastsim's `cancel-on-timeout = true`).

Usage: python3 bistable.py MODE TIMEOUT_S SEEDS [HOURS]
Prints one JSON line per seed (1..SEEDS): whether the last 10 minutes had
under half the client's requests answered (collapsed), the start of the first
10 minutes that had (tipped_s), and the run's share of requests answered.
"""
import json
import random
import sys

RATE, SERVICE_S, RETRIES, STEP_S = 9.0, 0.1, 4, 30.0


WINDOW = int(600 // STEP_S)


def first_low(ok, failed):
    """The start [s] of the first 10 minutes with under half the requests answered, and whether the last 10 were."""
    tipped = None
    for k in range(len(ok) - WINDOW + 1):
        if sum(ok[k : k + WINDOW]) < sum(failed[k : k + WINDOW]):
            tipped = k * STEP_S
            break
    return tipped, sum(ok[-WINDOW:]) < sum(failed[-WINDOW:])


class Attempt:
    __slots__ = ("req", "done")


def run(mode, timeout_s, seed, hours):
    import simpy  # here, so bistable_seeds.py can use first_low without SimPy

    env = simpy.Environment()
    rng = random.Random(seed)
    server = simpy.Resource(env, capacity=1)
    end = hours * 3600.0
    steps = int(end // STEP_S)
    ok = [0] * (steps + 1)
    failed = [0] * (steps + 1)

    def serve(a):
        try:
            yield a.req
            yield env.timeout(rng.expovariate(1.0 / SERVICE_S))
            server.release(a.req)
            if not a.done.triggered:
                a.done.succeed()
        except simpy.Interrupt:
            server.release(a.req)

    def client():
        for _ in range(RETRIES + 1):
            a = Attempt()
            a.req, a.done = server.request(), env.event()
            proc = env.process(serve(a))
            got = yield a.done | env.timeout(timeout_s)
            if a.done in got:
                ok[int(env.now // STEP_S)] += 1
                return
            if mode == "keep":
                continue
            if not a.req.triggered:
                a.req.cancel()
            elif mode == "cancel" and proc.is_alive:
                proc.interrupt()
        failed[int(env.now // STEP_S)] += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(client())

    env.process(source())
    env.run(until=end)
    ok, failed = ok[:steps], failed[:steps]
    tipped, collapsed = first_low(ok, failed)
    total = sum(ok) + sum(failed)
    return {
        "mode": mode,
        "timeout_s": timeout_s,
        "seed": seed,
        "collapsed": collapsed,
        "tipped_s": tipped,
        "answered": round(sum(ok) / total, 4) if total else 1.0,
    }


def over_seeds(seeds, run_seed):
    """Runs seeds 1..SEEDS, prints one JSON line each, then which collapsed."""
    down = []
    for seed in range(1, seeds + 1):
        r = run_seed(seed)
        print(json.dumps(r), flush=True)
        if r["collapsed"]:
            down.append(seed)
    print(f"collapsed: {len(down)} of {seeds} (seeds {', '.join(map(str, down)) or 'none'})")


def main():
    mode, timeout_s, seeds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    hours = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    if mode not in ("keep", "withdraw", "cancel"):
        sys.exit("MODE is keep, withdraw or cancel")
    over_seeds(seeds, lambda seed: run(mode, timeout_s, seed, hours))


if __name__ == "__main__":
    main()
