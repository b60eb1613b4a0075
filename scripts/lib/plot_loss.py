#!/usr/bin/env python3
"""For the demo: draws the training loss curve (a CSV of epoch,value) as a PNG with
matplotlib, when matplotlib is there; says so and exits 0 when it is not."""
import csv
import sys


def main():
    src, out, title = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no PNG; the sparkline above is the curve)")
        return 0
    epochs, values = [], []
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            epochs.append(int(row["epoch"]))
            values.append(float(row["validation_mse"]))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy(epochs, values, marker=".")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation MSE")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"loss curve: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
