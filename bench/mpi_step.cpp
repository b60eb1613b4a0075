// Scaling of data-parallel training over MPI: one SGD step of the mlp256 network of
// bench/steps.cpp (784 inputs, two tanh layers of 256, 10 classes, softmax cross-entropy;
// 269,322 parameters, a 2.15 MB gradient), each rank on its shard of the batch, the gradients
// averaged by tt::mpi::allreduce (one MPI_Allreduce of one packed buffer), then the update.
//   strong scaling: a global batch of 512 rows, split across the ranks;
//   weak scaling:   256 rows per rank.
// Run it once per rank count; rank 0 prints the median step time, the median time of the
// all-reduce inside it, and with --json FILE writes them for scripts/bench's report:
//
//   mpirun --allow-run-as-root -n 1 build/bench/bench_mpi_step [--steps K] [--json FILE]
//   mpirun --allow-run-as-root -n 2 build/bench/bench_mpi_step [--steps K] [--json FILE]
//
// Google Benchmark does not run under MPI (each rank would stop on its own rule), so this is a
// plain loop with a step count every rank knows, a barrier before each step and medians.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <typetape/mpi.hpp>
#include <typetape/tensor.hpp>
#include <vector>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
constexpr std::size_t features = 784, width = 256, classes = 10;
constexpr double lr = 0.01;

/// Deterministic values in [-scale, scale], a different sequence per seed.
template <class T>
T det(std::vector<std::size_t> shape, int seed, double scale) {
  T t = T::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = scale * std::sin(0.731 * double(i) + 1.37 * double(seed));
  return t;
}

struct net {
  tt::variable<"W1", T2> W1{det<T2>({features, width}, 0, 0.5 / std::sqrt(double(features)))};
  tt::variable<"b1", T1> b1{det<T1>({width}, 1, 0.01)};
  tt::variable<"W2", T2> W2{det<T2>({width, width}, 2, 0.5 / std::sqrt(double(width)))};
  tt::variable<"b2", T1> b2{det<T1>({width}, 3, 0.01)};
  tt::variable<"W3", T2> W3{det<T2>({width, classes}, 4, 0.5 / std::sqrt(double(width)))};
  tt::variable<"b3", T1> b3{det<T1>({classes}, 5, 0.01)};
  auto all() { return std::tie(W1, b1, W2, b2, W3, b3); }
};

struct shard {
  T2 x, y;
  /// Rows [b, e) of a global batch (the same rows whatever the rank count).
  shard(std::size_t b, std::size_t e)
      : x(T2::from_shape({e - b, features})), y(T2::from_shape({e - b, classes})) {
    y.fill(0);
    for (std::size_t i = b; i < e; ++i) {
      for (std::size_t j = 0; j < features; ++j)
        x(i - b, j) = std::sin(0.013 * double(i * features + j));
      y(i - b, i % classes) = 1;
    }
  }
};

struct timing {
  double step, allreduce;
};

/// The median step and all-reduce times of `steps` steps on rows [b, e) of each rank.
timing run(std::size_t rows_per_rank, int rank, int steps) {
  const std::size_t b = rows_per_rank * std::size_t(rank);
  const shard d(b, b + rows_per_rank);
  net v;
  const auto loss = tt::cross_entropy(
      tt::matmul(tt::tanh(tt::matmul(tt::tanh(tt::matmul(d.x, v.W1) + v.b1), v.W2) + v.b2), v.W3) +
          v.b3,
      d.y);
  std::vector<double> ts, tr;
  for (int s = 0; s < steps; ++s) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto t0 = std::chrono::steady_clock::now();
    auto g = tt::gradient(loss, v.all());
    const auto t1 = std::chrono::steady_clock::now();
    tt::mpi::allreduce(g, tt::mpi::op::mean);  // equal shards: the mean is the full batch's
    const auto t2 = std::chrono::steady_clock::now();
    auto& [g1, g2, g3, g4, g5, g6] = g;
    g1 *= -lr, g2 *= -lr, g3 *= -lr, g4 *= -lr, g5 *= -lr, g6 *= -lr;
    v.W1 += g1, v.b1 += g2, v.W2 += g3, v.b2 += g4, v.W3 += g5, v.b3 += g6;
    const auto t3 = std::chrono::steady_clock::now();
    if (s > 0) {  // the first step allocates and warms the caches
      ts.push_back(std::chrono::duration<double>(t3 - t0).count());
      tr.push_back(std::chrono::duration<double>(t2 - t1).count());
    }
  }
  // the slowest rank sets the pace: the step time is the maximum over ranks of each median
  auto median = [](std::vector<double> t) {
    std::nth_element(t.begin(), t.begin() + std::ptrdiff_t(t.size() / 2), t.end());
    return t[t.size() / 2];
  };
  timing local{median(ts), median(tr)}, worst{};
  MPI_Allreduce(&local, &worst, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int steps = 21;
  const char* json = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--steps") == 0) steps = std::max(2, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--json") == 0) json = argv[i + 1];
  }
  constexpr std::size_t global = 512, per_rank = 256;
  const timing strong = run(global / std::size_t(size), rank, steps);
  const timing weak = run(per_rank, rank, steps);
  if (rank == 0) {
    std::printf("%d rank(s), mlp256 SGD step, median of %d steps (slowest rank):\n", size,
                steps - 1);
    std::printf("  strong (512 rows in all): %.3f ms, all-reduce %.3f ms\n", strong.step * 1e3,
                strong.allreduce * 1e3);
    std::printf("  weak (256 rows per rank): %.3f ms, all-reduce %.3f ms\n", weak.step * 1e3,
                weak.allreduce * 1e3);
    if (json) {
      if (FILE* f = std::fopen(json, "w")) {
        std::fprintf(
            f,
            "{\"ranks\": %d, \"steps\": %d, \"strong_ms\": %.6f, \"strong_allreduce_ms\": %.6f, "
            "\"weak_ms\": %.6f, \"weak_allreduce_ms\": %.6f}\n",
            size, steps - 1, strong.step * 1e3, strong.allreduce * 1e3, weak.step * 1e3,
            weak.allreduce * 1e3);
        std::fclose(f);
      }
    }
  }
  MPI_Finalize();
  return 0;
}
