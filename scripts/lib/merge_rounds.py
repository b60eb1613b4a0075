#!/usr/bin/env python3
"""Merges the training steps' rounds (scripts/bench) into one result per workload.

scripts/bench times each training step in rounds: in each, the g++ build, the clang build
and PyTorch one after another, a few repetitions each. A slow spell of the machine then
falls on all three, where one run of each after the other (PyTorch minutes after the C++)
gave ratios against PyTorch that moved by 30% between runs. This pools each contender's
repetitions over the rounds and writes what scripts/lib/bench_report.py reads:

  RAW/rounds/bench_steps.W-LABEL.R.json  ->  RAW/bench_steps.W-LABEL.json (Google Benchmark
                                            JSON, one median per contender)
  RAW/rounds/torch.W.R.json              ->  RAW/torch.json (one line per workload)

usage: python3 scripts/lib/merge_rounds.py RAW
"""
import glob
import json
import os
import re
import statistics
import sys


def merge_steps(raw):
    groups = {}
    for path in glob.glob(os.path.join(raw, "rounds", "bench_steps.*.json")):
        m = re.match(r"bench_steps\.(.+)-(\w+)\.(\d+)\.json$", os.path.basename(path))
        if m:
            groups.setdefault((m.group(1), m.group(2)), []).append(path)
    for (w, label), paths in sorted(groups.items()):
        context, samples, first = None, {}, {}
        for path in sorted(paths):
            data = json.load(open(path))
            context = context or data["context"]
            for b in data["benchmarks"]:
                if b.get("run_type") == "aggregate":
                    continue
                name = b.get("run_name", b["name"])
                first.setdefault(name, b)
                samples.setdefault(name, []).append((b["real_time"], b["cpu_time"]))
        out = []
        for name, s in samples.items():
            b = dict(first[name])
            b.update({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                      "aggregate_name": "median", "repetitions": len(s), "rounds": len(paths),
                      "real_time": statistics.median(t for t, _ in s),
                      "cpu_time": statistics.median(c for _, c in s)})
            out.append(b)
        context = dict(context, rounds=len(paths))
        with open(os.path.join(raw, f"bench_steps.{w}-{label}.json"), "w") as f:
            json.dump({"context": context, "benchmarks": out}, f, indent=1)


def merge_torch(raw):
    paths = sorted(glob.glob(os.path.join(raw, "rounds", "torch.*.json")))
    if not paths:
        return
    tpath = os.path.join(raw, "torch.json")
    old = json.load(open(tpath)) if os.path.exists(tpath) else {"benchmarks": []}
    by_name, context, rounds = {}, None, {}
    for path in paths:
        r = json.load(open(path))
        if "error" in r:
            sys.exit(f"merge_rounds.py: {path}: {r['error']}")
        context = r.pop("context")
        name = r["name"]
        rounds[name] = rounds.get(name, 0) + 1
        if name in by_name:
            by_name[name]["samples"] += r["samples"]
        else:
            by_name[name] = r
    for name, r in by_name.items():
        r.update({"real_time": statistics.median(r["samples"]), "repetitions": len(r["samples"]),
                  "rounds": rounds[name]})
    kept = [b for b in old["benchmarks"] if b["name"] not in by_name]
    context = dict(context, rounds=max(rounds.values()),
                   timing="in rounds, alternating with the C++ training steps")
    with open(tpath, "w") as f:
        json.dump({"context": context, "benchmarks": kept + list(by_name.values())}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    merge_steps(sys.argv[1])
    merge_torch(sys.argv[1])
