#!/usr/bin/env python3
"""Writes the benchmark report from the raw results of scripts/bench.

  RESULTS/latest.md   the tables: ns per gradient, ratio to hand-written, ratio to f,
                      per workload and contender, for each compiler; compile times;
                      diagnostic line counts; the machine
  RESULTS/latest.png  the chart: each contender's time as a multiple of the limit (the
                      fastest hand-written gradient)
  README.md           the summary table between the bench markers, if --readme

usage: python3 scripts/lib/bench_report.py RESULTS_DIR [--readme README.md]
Needs matplotlib (Debian's python3-matplotlib) for the chart.
"""
import argparse
import glob
import json
import math
import os
import re

WORKLOADS = [  # (name, what it is), in report order
    ("rosenbrock2", "Rosenbrock, N = 2"),
    ("rosenbrock1000", "Rosenbrock, N = 1000"),
    ("logsumexp1000", "log-sum-exp, N = 1000"),
    ("normal_lpdf1000", "sum of normal log-densities of 1000 data, w.r.t. (mu, sigma)"),
    ("dense32", "dense layer sum(tanh(W x + b)^2), W 32x32, w.r.t. W and b"),
    ("rnn2", "two steps of a scalar tanh RNN, w.r.t. (w, u, b)"),
    ("mlp32", "MLP training step: batch 64, 784 inputs, hidden 32+32, 10 classes, SGD"),
    ("mlp256", "MLP training step: batch 64, 784 inputs, hidden 256+256, 10 classes, SGD"),
    ("mlp32_f32", "mlp32 in float (sgemm, twice the SIMD lanes); PyTorch in float32"),
    ("mlp256_f32", "mlp256 in float (sgemm, twice the SIMD lanes); PyTorch in float32"),
    ("rnn_bptt", "RNN BPTT step: hidden 32, batch 16, 16 inputs, 50 steps, SGD; typetape: tt::scan"),
    ("conv2d", "conv2d layer gradient: 28x28x3 input, 10 filters 3x3, SAME, w.r.t. filters and bias"),
    ("rnn_bptt_f32", "rnn_bptt in float (sgemm, twice the SIMD lanes); PyTorch in float32"),
    ("conv2d_f32", "conv2d in float (sgemm, twice the SIMD lanes); PyTorch in float32"),
    ("normal_loop1000", "sum of normal log-densities of n = 1000 run-time data, a scalar loop (tt::sum_over), w.r.t. (mu, sigma)"),
    ("heat1d", "1-D heat equation, 64 cells, 200 explicit steps (tt::fold of tt::map_over), w.r.t. the 64 diffusion coefficients"),
    ("lennard_jones64", "Lennard-Jones energy of 64 particles in 3-D (nested tt::sum_over, j > i), w.r.t. the 192 coordinates"),
    ("chain_fwd_bwd", "fused chain sum(tanh(w*x + b)^2) fwd+bwd, per length"),
    ("points_grad", "gradient of a 2-variable potential at 4096 points"),
    ("matmul_fwd_bwd", "matmul forward + backward (3 GEMMs), per size"),
]
CONTENDERS = {  # label, in table order
    "f": "f (the function alone)",
    "hand": "hand-written gradient",
    "hand_xsimd": "hand-written, xsimd loop",
    "hand_4096_points": "hand-written, loop over 4096 points (per point)",
    "cblas_dgemm": "three cblas_dgemm calls",
    "typetape": "**typetape**",
    "typetape_stored": "**typetape**, expression kept between calls",
    "typetape_scalar": "**typetape**, point by point",
    "typetape_batch": "**typetape** batch_gradient (xsimd)",
    "typetape_batch_4096_points": "**typetape** batch_gradient, 4096 points (per point)",
    "typetape_plan": "**typetape**, tt::plan_gradient (its records kept between calls)",
    "typetape_checkpoint_10": "**typetape**, tt::scan with checkpoint{10}",
    "typetape_step_tapes": "**typetape**, one tape per step (no scan)",
    "typetape_term": "**typetape**, the loop as one term of the loss (-0.5 q - n log sigma: its value is not read, so it is not run forward)",
    "sacado_fad": "Sacado DFad (forward)",
    "sacado_rad": "Sacado Rad (reverse)",
    "adolc": "ADOL-C (reverse, tape recorded once)",
    "boost_fvar": "Boost.Math autodiff (forward, a pass per input)",
    "eigen_autodiff": "Eigen AutoDiffScalar (forward)",
    "pytorch": "PyTorch (CPU, 1 thread)",
}


def load_runs(raw):
    """{compiler: {benchmark name: (ns per gradient, counters)}} from Google Benchmark JSON."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(raw, "bench_*-*.json"))):
        compiler = os.path.basename(path)[:-5].split("-", 1)[1]
        data = json.load(open(path))
        for b in data["benchmarks"]:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            if b.get("run_type") == "iteration" and b.get("repetitions", 1) > 1:
                continue  # single repetitions when the aggregates are there too
            name = re.sub(r"_median$", "", b.get("run_name", b["name"]))
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
            ns = b["real_time"] * scale / b.get("grads", 1)
            runs.setdefault(compiler, {})[name] = (ns, b)
    return runs


def fmt_ns(ns):
    if ns is None:
        return "—"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.2f}" if r < 100 else f"{r:.0f}"


def split(name):
    w, _, c = name.partition("/")
    m = re.match(r"(.*)/(\d+)$", c)
    if m:  # chain_fwd_bwd/typetape/1000 -> workload chain_fwd_bwd n=1000
        c, n = m.groups()
        w = f"{w}, n = {n}"
    return w, c


LIMIT_KEYS = ("hand", "hand_xsimd", "cblas_dgemm")  # the hand-written contenders


def limit_of(row, compiler):
    """The limit: the fastest hand-written contender of a workload on a compiler."""
    times = [row[k][compiler] for k in LIMIT_KEYS if k in row and compiler in row[k]]
    return min(times) if times else None


def workload_rows(runs, torch, compilers):
    """{workload: {contender: {compiler: ns}}}, PyTorch's time under every compiler."""
    rows = {}
    for compiler in compilers:
        for name, (ns, _) in runs[compiler].items():
            w, c = split(name)
            rows.setdefault(w, {}).setdefault(c, {})[compiler] = ns
    for name, ns in torch.items():
        w, c = split(name)
        if w in rows:
            for compiler in compilers:
                rows[w].setdefault(c, {})[compiler] = ns
    return rows


def tables(rows, compilers):
    """Markdown lines, and the chart's data {workload: {contender: ratio to the limit}}."""
    order = [w for w, _ in WORKLOADS]
    base = lambda w: w.split(",")[0]
    lines, chart = [], {}
    head = "| contender | " + " | ".join(f"{c}: time | × limit | × hand | × f" for c in compilers) + " |"
    for w in sorted(rows, key=lambda w: (order.index(base(w)) if base(w) in order else 99, w)):
        about = dict(WORKLOADS).get(base(w), "")
        lines += ["", f"### {w}", "", about, "", head, "|---|" + "---|" * (4 * len(compilers))]
        hand_key = next((k for k in LIMIT_KEYS if k in rows[w]), None)
        for c in sorted(rows[w], key=lambda c: list(CONTENDERS).index(c) if c in CONTENDERS else 99):
            cells = []
            for compiler in compilers:
                ns = rows[w][c].get(compiler)
                hand = rows[w].get(hand_key, {}).get(compiler) if hand_key else None
                limit = limit_of(rows[w], compiler)
                f = rows[w].get("f", {}).get(compiler)
                cells += [fmt_ns(ns), fmt_ratio(ns / limit if ns and limit else None),
                          fmt_ratio(ns / hand if ns and hand else None),
                          fmt_ratio(ns / f if ns and f else None)]
                if compiler == compilers[0] and ns and limit and c not in LIMIT_KEYS and c != "f":
                    chart.setdefault(w, {})[c] = ns / limit
            lines.append(f"| {CONTENDERS.get(c, c)} | " + " | ".join(cells) + " |")
    return lines, chart


def gb_medians(path):
    """{benchmark name without /real_time: ms} from one Google Benchmark JSON file."""
    out = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "iteration" and b.get("repetitions", 1) > 1:
            continue
        name = re.sub(r"(/real_time)?(_median)?$", "", b.get("run_name", b["name"]))
        out[name] = b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[b["time_unit"]]
    return out


def scaling(raw, compilers, when):
    """Markdown lines: threads (bench/parallel.cpp), MPI ranks (bench/mpi_step.cpp) and the
    all-reduce's cost (bench/allreduce.cpp), each if its raw results are there."""
    md = []
    par = {c: gb_medians(p) for c in compilers
           for p in [os.path.join(raw, f"parallel-{c}.json")] if os.path.exists(p)}
    if par:
        md += ["", "## Scaling over threads and MPI ranks", "",
               f"Measured on {when} (`scripts/bench`, or `scripts/bench --only parallel,mpi` for this section alone).", "",
               "### Threads (oneTBB, `bench/parallel.cpp`)", "",
               "The gradient of a Student-t negative log-likelihood over n = 2^20 run-time data w.r.t. "
               "(mu, sigma), a `tt::sum_over` loop; `tt::parallel::reduce_sum` (value and gradient) and "
               "`tt::parallel::sum_gradient` (the gradient alone) on 1 and 2 threads (strong: n fixed; weak: "
               "n = 2^19 per thread). Speed-up and efficiency are against the same call on 1 thread.", "",
               "| contender | " + " | ".join(f"{c}: time | speed-up | efficiency" for c in par) + " |",
               "|---|" + "---|" * (3 * len(par))]
        rows = [("hand-written gradient, serial", "hand_written/1048576", None, None),
                ("typetape `tt::gradient`, serial", "typetape_serial/1048576", None, None)]
        for what, key in (("reduce_sum", "reduce_sum_strong/1048576"), ("sum_gradient", "sum_gradient_strong/1048576")):
            for k in (1, 2):
                rows.append((f"`{what}`, {k} thread{'s' if k > 1 else ''} (strong)", f"{key}/{k}", f"{key}/1", k))
        for k in (1, 2):
            rows.append((f"`sum_gradient`, {k} thread{'s' if k > 1 else ''} (weak)", f"sum_gradient_weak/524288/{k}",
                         "sum_gradient_weak/524288/1", -k))
        for label, key, base, k in rows:
            cells = []
            for c, r in par.items():
                t, t1 = r.get(key), r.get(base) if base else None
                if t is None:
                    cells += ["—", "—", "—"]
                elif k is None or t1 is None:
                    cells += [f"{t:.3g} ms", "—", "—"]
                elif k > 0:  # strong: t1 / (k t)
                    cells += [f"{t:.3g} ms", f"{t1 / t:.2f}x", f"{100 * t1 / (k * t):.0f}%"]
                else:  # weak: k times the work in the time t, against t1
                    cells += [f"{t:.3g} ms", f"{-k * t1 / t:.2f}x", f"{100 * t1 / t:.0f}%"]
            md.append(f"| {label} | " + " | ".join(cells) + " |")
    steps = {n: json.load(open(p)) for n in (1, 2)
             for p in [os.path.join(raw, f"mpi_step-{n}.json")] if os.path.exists(p)}
    if 1 in steps and 2 in steps:
        one = steps[1]
        md += ["", "### MPI ranks (Open MPI, `bench/mpi_step.cpp`, g++)", "",
               "One SGD step of the mlp256 network (784-256-256-10, softmax cross-entropy, 269,322 parameters: "
               "a 2.15 MB gradient), each rank on its shard, the gradients averaged by one `tt::mpi::allreduce`. "
               f"Median of {one['steps']} steps, the slowest rank's; the all-reduce's time includes waiting "
               "for the other rank. Strong: 512 rows in all; weak: 256 rows per rank. Both ranks share "
               "this machine's 2 cores.", "",
               "| ranks | strong: step | all-reduce | speed-up | efficiency | weak: step | all-reduce | efficiency |",
               "|---|---|---|---|---|---|---|---|"]
        for n, r in sorted(steps.items()):
            md.append(f"| {n} | {r['strong_ms']:.2f} ms | {r['strong_allreduce_ms']:.2f} ms | "
                      f"{one['strong_ms'] / r['strong_ms']:.2f}x | {100 * one['strong_ms'] / (n * r['strong_ms']):.0f}% | "
                      f"{r['weak_ms']:.2f} ms | {r['weak_allreduce_ms']:.2f} ms | {100 * one['weak_ms'] / r['weak_ms']:.0f}% |")
    ap = os.path.join(raw, "allreduce.json")
    if os.path.exists(ap):
        a = json.load(open(ap))
        md += ["", f"### The all-reduce's cost (`bench/allreduce.cpp`, {a['ranks']} ranks, g++)", "",
               "Median time of `tt::mpi::allreduce(g, op::mean)` on a tensor of n doubles, packing included, and "
               f"the model t = a + bytes / B: **a = {a['latency_us']:.2f} µs, B = {a['bandwidth_gbs']:.2f} GB/s**, "
               "a fitted to the messages up to 2 KB and B to those of 512 KB and more (relative errors); "
               "the messages between stay in the caches and beat the model (docs/design-notes.md, "
               "\"MPI: the all-reduce and a model of its cost\").", "",
               "| bytes | median | GB/s | fit |", "|---|---|---|---|"]
        for b, us in a["rows"]:
            fit = a["latency_us"] + b / (a["bandwidth_gbs"] * 1e3)
            md.append(f"| {b:.0f} | {us:.2f} µs | {b / us / 1e3:.2f} | {fit:.2f} µs |")
    return md


def draw(chart, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = [w for w in chart if not w.startswith(("chain", "points", "matmul"))]
    contenders = [c for c in CONTENDERS if any(c in chart[w] for w in workloads)]
    colors = {"typetape": "#d62728", "typetape_batch_4096_points": "#ff9896", "typetape_stored": "#ffbb78", "pytorch": "#9467bd",
              "sacado_fad": "#1f77b4", "sacado_rad": "#aec7e8", "adolc": "#2ca02c",
              "boost_fvar": "#8c564b", "eigen_autodiff": "#e377c2", "hand_4096_points": "#7f7f7f"}
    fig, ax = plt.subplots(figsize=(11, 0.32 * sum(len(chart[w]) for w in workloads) + 2))
    y, ticks, seen = 0.0, [], set()
    for w in workloads:  # one group of bars per workload, only its contenders
        present = [c for c in contenders if c in chart[w]]
        ticks.append(y + (len(present) - 1) / 2)
        for c in present:
            label = CONTENDERS[c].replace("**", "") if c not in seen else None
            seen.add(c)
            ax.barh(y, chart[w][c], height=0.85, label=label, color=colors.get(c))
            if c.startswith("typetape") or c == "pytorch":
                ax.text(chart[w][c] * 1.08, y, f"{chart[w][c]:.2f}", va="center", fontsize=7)
            y += 1
        y += 0.8
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(ticks)
    ax.set_yticklabels(workloads)
    ax.invert_yaxis()
    ax.set_xlabel("time per gradient / the fastest hand-written gradient's time (log scale; 1 = the limit)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


STEPS = ("mlp32", "mlp256", "mlp32_f32", "mlp256_f32", "rnn_bptt", "rnn_bptt_f32", "conv2d", "conv2d_f32")


def goals(rows, compilers):
    """Markdown lines: each speed goal with its ratio on each compiler, met or not."""
    def t(compiler, w, c):
        return rows.get(w, {}).get(c, {}).get(compiler)

    def ratio(a, b):
        return a / b if a and b else None

    def over_limit(w, contender="typetape"):
        return {c: ratio(t(c, w, contender), limit_of(rows.get(w, {}), c)) for c in compilers}

    goal_rows = [  # (goal, target, {compiler: ratio})
        ("rosenbrock1000: typetape / limit", 1.3, over_limit("rosenbrock1000")),
        ("rosenbrock2: typetape / limit", 1.05, over_limit("rosenbrock2")),
        ("rosenbrock2: expression kept between calls / rebuilt", 1.05,
         {c: ratio(t(c, "rosenbrock2", "typetape_stored"), t(c, "rosenbrock2", "typetape")) for c in compilers}),
        ("points_grad: point by point / hand-written", 1.05,
         {c: ratio(t(c, "points_grad, n = 4096", "typetape_scalar"), t(c, "points_grad, n = 4096", "hand"))
          for c in compilers})]
    goal_rows += [(f"{w}: typetape / limit", 1.15, over_limit(w)) for w in STEPS]
    goal_rows += [(f"{w}: typetape, tt::plan_gradient / limit", 1.15, over_limit(w, "typetape_plan"))
                  for w in STEPS if "typetape_plan" in rows.get(w, {})]
    goal_rows += [(f"{w}: typetape / PyTorch", 1.0,
                   {c: ratio(t(c, w, "typetape"), t(c, w, "pytorch")) for c in compilers}) for w in STEPS]
    lines = ["", "## Speed goals", "",
             "Each speed goal, from the figures above: the ratio on each compiler, and whether it is "
             "within the target on both. Where a goal is not met, [bench/profiles.md](../profiles.md) shows where the "
             "time goes (perf) and what removing it would take.", "",
             "| goal | target | " + " | ".join(compilers) + " | met |", "|---|---|" + "---|" * len(compilers) + "---|"]
    for goal, target, by in goal_rows:
        vals = [by.get(c) for c in compilers]
        met = "—" if any(v is None for v in vals) else ("yes" if all(v <= target for v in vals) else "**no**")
        lines.append(f"| {goal} | ≤ {target:g} | " + " | ".join(fmt_ratio(v) for v in vals) + f" | {met} |")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--readme")
    args = ap.parse_args()
    raw = os.path.join(args.results, "raw")
    machine = json.load(open(os.path.join(raw, "machine.json")))
    runs = load_runs(raw)
    compilers = [c for c in ("gcc", "clang") if c in runs]
    torch = {}
    tpath = os.path.join(raw, "torch.json")
    torch_ctx, torch_loss = None, {}
    if os.path.exists(tpath):
        t = json.load(open(tpath))
        torch_ctx = t["context"]
        torch = {b["name"]: b["real_time"] for b in t["benchmarks"]}
        torch_loss = {b["name"].split("/")[0]: b["initial_loss"] for b in t["benchmarks"]}
    rows = workload_rows(runs, torch, compilers)
    body, chart = tables(rows, compilers)

    md = [f"# Benchmark report ({machine['date']})", "",
          f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; {machine['os']}.",
          f"Compilers: {machine['compilers']}. Flags: meson's debugoptimized (`-O2 -g`) plus `-march=native`; "
          f"OpenBLAS {machine['openblas']} with `OPENBLAS_NUM_THREADS=1`.",
          f"Peers: {machine['peers']}."]
    dates = machine.get("parts", {})
    if len(set(dates.values())) > 1:  # a partial run (scripts/bench --only) refreshed some parts
        md.append("Figures by the date they were measured: " +
                  "; ".join(f"{p} {d}" for p, d in sorted(dates.items())) + ".")
    if torch_ctx:
        if "rounds" in torch_ctx:
            how = (f"in {torch_ctx['rounds']} rounds alternating with the two C++ builds' runs of the same "
                   "training step (`scripts/lib/merge_rounds.py` pools each contender's repetitions: the "
                   "median of 9, 0.1 s each), so that PyTorch and typetape are timed in the same minutes")
        else:
            how = "after the C++ benchmarks (median of 5)"
        md.append(f"PyTorch {torch_ctx['torch']} (Debian's python3-torch), CPU, {torch_ctx['threads']} thread, "
                  f"float64 (float32 for the _f32 workloads), timed by `bench/torch_steps.py`'s own loop, {how}.")
    md += ["", "Each figure is the median of 9 repetitions of Google Benchmark (wall time, 0.1 s each, the "
           "contenders of a workload interleaved at random), per gradient "
           "(a training step for the tensor workloads); every C++ contender's gradient was checked against the "
           "hand-written one before it was timed (PyTorch's step is compared by its initial loss, below). × limit is the ratio to the "
           "fastest hand-written gradient (the plain loop, the xsimd loop, or BLAS calls), × hand to the plain hand-written loop, "
           "× f to the plain function, each on the same compiler in the same run. Produced by `scripts/bench`.",
           "", "![time per gradient as a multiple of the limit](latest.png)"]
    checks = {}
    for compiler in compilers:
        for name, (_, b) in runs[compiler].items():
            w = name.split("/")[0]
            if "loss0" in b and w in torch_loss:
                checks.setdefault(w, set()).add(f"{b['loss0']:.10g}")
    if checks:
        md += ["", "Initial losses, C++ (hand-written and typetape, both compilers) against PyTorch, from the "
               "same values: " + "; ".join(f"{w} {' / '.join(sorted(v))} against {torch_loss[w]:.10g}"
                                          for w, v in sorted(checks.items())) + "."]
    md += ["", "## Gradients"] + body
    md += goals(rows, compilers)

    md += scaling(raw, compilers, machine.get("parts", {}).get("parallel", machine["date"]))

    comp = json.load(open(os.path.join(raw, "compile.json")))["compile"]
    md += ["", "## Compile times", "",
           "`CXX -std=c++20 -O2 -Iinclude -c FILE` (GNU time: wall seconds, peak memory). The losses are "
           "generated by `scripts/lib/compile_times.py`: N terms over four variables, gradient w.r.t. all four, "
           "written as a `+` chain and as one `tt::sum_of(...)` node.",
           "", "| file | " + " | ".join(sorted({c['compiler'] for c in comp})) + " |",
           "|---|" + "---|" * len({c['compiler'] for c in comp})]
    for case in dict.fromkeys(c["case"] for c in comp):
        cells = []
        for cxx in sorted({c["compiler"] for c in comp}):
            r = next(c for c in comp if c["case"] == case and c["compiler"] == cxx)
            cells.append(f"{r['seconds']:.1f} s, {r['peak_mb']} MB" if r["seconds"] is not None else r["note"])
        md.append(f"| {case} | " + " | ".join(cells) + " |")
    diag = open(os.path.join(raw, "diagnostics.md")).read().strip()
    md += ["", "## Diagnostic lengths", "",
           "Lines of each compile-fail snippet's diagnostic (`scripts/lib/diagnostic_lines.py`).", "", diag, ""]
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write("\n".join(md))
    draw(chart, os.path.join(args.results, "latest.png"),
         f"typetape and peers against the limit, the fastest hand-written gradient ({compilers[0]}, {machine['date']}, {machine['cpu']})")

    if args.readme:  # the summary: typetape, hand, f and the fastest peer per workload
        lines = [f"Measured on {machine['date']} by `scripts/bench` on {machine['cpu']}, {machine['cores']} cores "
                 f"(a VM), built with {machine['compilers'].split(';')[0]}: medians of 5, from one run. "
                 "The limit is the fastest hand-written gradient (a plain loop, an xsimd loop, or BLAS calls); "
                 "× limit is each contender's time over it. "
                 "The clang figures, every peer, compile times and diagnostic lengths are in "
                 "[bench/results/latest.md](bench/results/latest.md).", "",
                 "| workload | hand-written | limit | typetape | × limit | × hand | fastest peer | × limit |",
                 "|---|---|---|---|---|---|---|---|"]
        c0 = compilers[0]
        for w in [w for w, _ in WORKLOADS]:
            r = {split(n)[1]: ns for n, (ns, _) in runs[c0].items() if split(n)[0] == w}
            r.update({split(n)[1]: ns for n, ns in torch.items() if split(n)[0] == w})
            if "hand" not in r or "typetape" not in r:
                continue
            peers = {c: ns for c, ns in r.items() if c not in ("f", "hand", "typetape", "cblas_dgemm")
                     and not c.startswith(("hand", "typetape"))}
            best = min(peers, key=peers.get) if peers else None
            limit = min(r[k] for k in LIMIT_KEYS if k in r)
            lines.append(f"| {w} | {fmt_ns(r['hand'])} | {fmt_ns(limit)} | {fmt_ns(r['typetape'])} | "
                         f"{fmt_ratio(r['typetape'] / limit)} | {fmt_ratio(r['typetape'] / r['hand'])} | "
                         + (f"{CONTENDERS[best].split(' (')[0]}: {fmt_ns(peers[best])} | {fmt_ratio(peers[best] / limit)} |"
                            if best else "— | — |"))
        lines += ["", "![time per gradient as a multiple of the limit](bench/results/latest.png)"]
        text = open(args.readme).read()
        new = re.sub(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)",
                     lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text, flags=re.S)
        if new == text and "<!-- bench:begin -->" not in text:
            raise SystemExit("README has no <!-- bench:begin --> / <!-- bench:end --> markers")
        open(args.readme, "w").write(new)


if __name__ == "__main__":
    main()
