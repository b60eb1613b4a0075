#!/usr/bin/env python3
"""Time PyTorch training steps that mirror typetape's C++ tensor benchmarks.

Workloads (CPU, float64, one thread, deterministic sin/cos initialisation):
  mlp32, mlp256  two tanh hidden layers + softmax cross-entropy, SGD step
                 (mlp32_f32, mlp256_f32: the same in float32)
  rnn_bptt       50-step tanh RNN, backprop through time, SGD step
  conv2d         3x3 SAME conv + tanh + MSE, gradient of filters and bias
                 (rnn_bptt_f32, conv2d_f32: the same two in float32)

For each workload it also records the loss and gradient norms at the initial
parameters so the C++ side can be cross-checked. Output is JSON shaped like
Google Benchmark's, on stdout or in the file given by --out.

Needs Debian's python3-torch, which is visible only to /usr/bin/python3:
    /usr/bin/python3 bench/torch_steps.py [--quick] [--filter SUBSTR] [--out PATH]
    /usr/bin/python3 bench/torch_steps.py --serve [--repeats N] [--seconds S]
(--serve: scripts/bench's mode, workloads named on stdin, timed in rounds between the
C++ contenders' runs.)
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("torch_steps.py: cannot import torch. Install Debian's "
                     "python3-torch and run with /usr/bin/python3.\n")
    sys.exit(3)

DT = torch.float64


def _index(shape):
    return torch.arange(math.prod(shape), dtype=DT).reshape(shape)


def det(shape, t, scale, grad=True, dt=DT):
    """Parameter init: element k (row-major) is scale * sin(0.7*k + t), computed in
    float64 and rounded to dt (as the C++ side does)."""
    return (scale * torch.sin(0.7 * _index(shape) + t)).to(dt).requires_grad_(grad)


def inp(shape, a, dt=DT):
    """Input data: element k (row-major) is cos(a*k)."""
    return torch.cos(a * _index(shape)).to(dt)


def sgd(params, lr=0.01):
    with torch.no_grad():
        for p in params.values():
            p -= lr * p.grad


def make_mlp(hidden, dt=DT):
    x = inp((64, 784), 0.013, dt)
    y = F.one_hot(torch.arange(64) % 10, 10).to(dt)
    s1, s2 = 0.5 / math.sqrt(784), 0.5 / math.sqrt(hidden)
    p = {"W1": det((784, hidden), 0, s1, dt=dt), "b1": det((hidden,), 1, s1, dt=dt),
         "W2": det((hidden, hidden), 2, s2, dt=dt), "b2": det((hidden,), 3, s2, dt=dt),
         "W3": det((hidden, 10), 4, s2, dt=dt), "b3": det((10,), 5, s2, dt=dt)}

    def loss():
        h1 = torch.tanh(x @ p["W1"] + p["b1"])
        h2 = torch.tanh(h1 @ p["W2"] + p["b2"])
        logits = h2 @ p["W3"] + p["b3"]
        return -(y * F.log_softmax(logits, dim=1)).sum(1).mean()

    return p, loss, True


def make_rnn(dt=DT):
    xs = [inp((16, 16), 0.017 + 0.001 * t, dt) for t in range(50)]
    target = inp((16, 32), 0.029, dt)
    p = {"U": det((16, 32), 0, 0.5 / math.sqrt(16), dt=dt),
         "W": det((32, 32), 1, 0.5 / math.sqrt(32), dt=dt),
         "b": det((32,), 2, 0.1, dt=dt)}

    def loss():
        h = torch.zeros(16, 32, dtype=dt)
        for x in xs:
            h = torch.tanh(x @ p["U"] + h @ p["W"] + p["b"])
        return ((h - target) ** 2).mean()

    return p, loss, True


def make_conv(dt=DT):
    # The C++ version is channels-last (NHWC input, HWCF filters); convert to
    # PyTorch's native NCHW / FCHW layouts once, outside the timed step.
    x = inp((1, 28, 28, 3), 0.011, dt).permute(0, 3, 1, 2).contiguous()
    target = inp((1, 28, 28, 10), 0.019, dt).permute(0, 3, 1, 2).contiguous()
    filt = det((3, 3, 3, 10), 0, 0.2, grad=False, dt=dt).permute(3, 2, 0, 1)
    p = {"filters": filt.contiguous().requires_grad_(),
         "bias": det((10,), 1, 0.1, dt=dt)}

    def loss():
        y = torch.tanh(F.conv2d(x, p["filters"], p["bias"], stride=1, padding=1))
        return ((y - target) ** 2).mean()

    return p, loss, False  # gradient only, no parameter update


WORKLOADS = {
    "mlp32": lambda: make_mlp(32),
    "mlp256": lambda: make_mlp(256),
    "mlp32_f32": lambda: make_mlp(32, torch.float32),
    "mlp256_f32": lambda: make_mlp(256, torch.float32),
    "rnn_bptt": make_rnn,
    "conv2d": make_conv,
    "rnn_bptt_f32": lambda: make_rnn(torch.float32),
    "conv2d_f32": lambda: make_conv(torch.float32),
}


def step_fn(params, loss, update):
    def step():
        for q in params.values():
            q.grad = None
        loss().backward()
        if update:
            sgd(params)
    return step


def check(make):
    """Loss and gradient norms at fresh initial parameters."""
    params, loss, _ = make()
    value = loss()
    value.backward()
    norms = {k: q.grad.norm().item() for k, q in params.items()}
    return value.item(), norms


def time_step(step, quick, repeats=5, seconds=0.2):
    """Median ns per step over the repeats, the samples, and iterations per repeat."""
    if quick:
        iters, repeats = 2, 1
    else:
        for _ in range(20):  # warm-up
            step()
        t0 = time.perf_counter_ns()
        for _ in range(5):
            step()
        per_step = max((time.perf_counter_ns() - t0) / 5, 1)
        iters = max(1, round(seconds * 1e9 / per_step))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            step()
        samples.append((time.perf_counter_ns() - t0) / iters)
    return statistics.median(samples), samples, iters


def result(name, checked, ns, samples, iters):
    """One workload's JSON entry; checked: check(make)'s loss and gradient norms."""
    initial_loss, norms = checked
    return {"name": f"{name}/pytorch", "real_time": ns, "time_unit": "ns",
            "repetitions": len(samples), "samples": samples, "iterations": iters,
            "initial_loss": initial_loss, "grad_norms": norms}


def context():
    return {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "python": platform.python_version(), "dtype": "float64; float32 for the _f32 workloads"}


def serve(repeats, seconds):
    """Times one workload per line read on stdin (its name), and answers with one line of
    JSON: scripts/bench runs this beside the C++ steps, round by round, so that PyTorch's
    figures come from the same minutes of this machine as typetape's. Each workload is made
    once, and checked once, on its first request; each request warms it up again."""
    made, checked = {}, {}
    for line in sys.stdin:
        name = line.strip()
        if name not in WORKLOADS:
            print(json.dumps({"error": f"no workload {name!r}"}), flush=True)
            continue
        if name not in made:
            made[name] = step_fn(*WORKLOADS[name]())
            checked[name] = check(WORKLOADS[name])
        ns, samples, iters = time_step(made[name], False, repeats, seconds)
        r = result(name, checked[name], ns, samples, iters)
        r["context"] = context()
        print(json.dumps(r), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="2 iterations x 1 repeat per workload (smoke test)")
    ap.add_argument("--filter", default="", help="run workloads whose name contains this")
    ap.add_argument("--out", help="write JSON here instead of stdout")
    ap.add_argument("--serve", action="store_true",
                    help="time the workloads named on stdin, one JSON line each (scripts/bench)")
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats per workload")
    ap.add_argument("--seconds", type=float, default=0.2, help="seconds per repeat")
    args = ap.parse_args()

    torch.set_num_threads(1)
    if args.serve:
        serve(args.repeats, args.seconds)
        return
    results = []
    for name, make in WORKLOADS.items():
        if args.filter not in name:
            continue
        ns, samples, iters = time_step(step_fn(*make()), args.quick, args.repeats, args.seconds)
        results.append(result(name, check(make), ns, samples, iters))

    report = {"context": context(), "benchmarks": results}
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
