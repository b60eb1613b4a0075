// The cost of tt::mpi::allreduce against the gradient's size (run under mpirun): the median
// time of an in-place sum of a rank-1 tensor gradient of n doubles, n from 1 to 2^22, and a
// least-squares fit of t(n) = a + b * (8n bytes), the latency and inverse-bandwidth terms of
// the model in docs/design-notes.md. Google Benchmark does not run under MPI (each rank would
// time itself with its own stopping rule), so this is a plain loop with a repetition count
// every rank computes alike, a barrier before each call, and the median on rank 0.
//
//   mpirun --allow-run-as-root -n 2 build/bench/bench_allreduce
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <typetape/mpi.hpp>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<double> bytes, secs;
  if (rank == 0)
    std::printf("%d ranks\n\n| doubles | bytes | median us | GB/s |\n|---|---|---|---|\n", size);
  for (std::size_t n = 1; n <= (std::size_t(1) << 22); n *= 4) {
    xt::xtensor<double, 1> g = xt::ones<double>({n});
    const int reps = static_cast<int>(std::clamp<std::size_t>(20'000'000 / (n + 2000), 9, 2001));
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto t0 = std::chrono::steady_clock::now();
      tt::mpi::allreduce(g, tt::mpi::op::mean);
      t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
    const double med = t[std::size_t(reps / 2)];
    bytes.push_back(8.0 * double(n));
    secs.push_back(med);
    if (rank == 0)
      std::printf("| %zu | %.0f | %.2f | %.2f |\n", n, 8.0 * double(n), med * 1e6,
                  8.0 * double(n) / med / 1e9);
  }
  if (rank == 0) {  // t = a + b x by least squares on relative errors (weights 1 / t^2)
    double s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const double w = 1 / (secs[i] * secs[i]), x = bytes[i];
      s0 += w;
      s1 += w * x;
      s2 += w * x * x;
      t0 += w * secs[i];
      t1 += w * x * secs[i];
    }
    const double det = s0 * s2 - s1 * s1;
    const double a = (t0 * s2 - t1 * s1) / det, b = (s0 * t1 - s1 * t0) / det;
    std::printf("\nfit: t = %.2f us + bytes / (%.2f GB/s)\n", a * 1e6, 1e-9 / b);
  }
  MPI_Finalize();
  return 0;
}
