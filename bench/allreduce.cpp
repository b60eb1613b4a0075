// The cost of tt::mpi::allreduce against the gradient's size (run under mpirun): the median
// time of an in-place sum of a rank-1 tensor gradient of n doubles, n from 1 to 2^22, and a
// fit of t(n) = a + b * (8n bytes), the latency and inverse-bandwidth terms of the model in
// docs/design-notes.md (a from small messages, b from large ones). Google Benchmark does not
// run under MPI (each rank would time itself with its own stopping rule), so this is a plain
// loop with a repetition count every rank computes alike, a barrier before each call, and the
// median on rank 0.
//
//   mpirun --allow-run-as-root -n 2 build/bench/bench_allreduce [--json FILE]
//
// With --json, rank 0 also writes the rows and the fit there, for scripts/bench's report.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <typetape/mpi.hpp>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char* json = argc > 2 && std::strcmp(argv[1], "--json") == 0 ? argv[2] : nullptr;
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
  if (rank == 0) {
    // t = a + b x by weighted least squares over the rows whose bytes lie in [lo, hi]
    auto fit = [&](double lo, double hi) {  // weights 1 / t^2: relative errors
      double s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] < lo || bytes[i] > hi) continue;
        const double w = 1 / (secs[i] * secs[i]), x = bytes[i];
        s0 += w, s1 += w * x, s2 += w * x * x, t0 += w * secs[i], t1 += w * x * secs[i];
      }
      const double det = s0 * s2 - s1 * s1;
      return std::pair{(t0 * s2 - t1 * s1) / det, (s0 * t1 - s1 * t0) / det};
    };
    // Two regimes: small messages stay in the caches, large ones run at memory bandwidth
    // (about a third of the small ones' rate here). The latency comes from messages up to
    // 2 KB and the bandwidth from those of 512 KB and more: a gradient worth all-reducing is
    // that large.
    const double a = fit(0, 2048).first, b = fit(524288, 1e300).second;
    std::printf("\nfit: t = %.2f us + bytes / (%.2f GB/s)\n", a * 1e6, 1e-9 / b);
    if (FILE* f = json ? std::fopen(json, "w") : nullptr) {
      std::fprintf(f, "{\"ranks\": %d, \"latency_us\": %.4f, \"bandwidth_gbs\": %.4f, \"rows\": [",
                   size, a * 1e6, 1e-9 / b);
      for (std::size_t i = 0; i < bytes.size(); ++i)
        std::fprintf(f, "%s[%.0f, %.6f]", i ? ", " : "", bytes[i], secs[i] * 1e6);
      std::fprintf(f, "]}\n");
      std::fclose(f);
    }
  }
  MPI_Finalize();
  return 0;
}
