// <typetape/mpi.hpp> on 2 ranks (meson runs it with mpirun -n 2): allreduce of a gradient
// structure (tensors, numbers, float parts) against sums computed here, broadcast of
// parameters, and mismatched structures throwing tt::shape_error on every rank.
#include <mpi.h>

#include <typetape/mpi.hpp>

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using F1 = xt::xtensor<float, 1>;

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int ranks() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

}  // namespace

TEST_CASE("allreduce sums (or averages) every part of a gradient, in place") {
  const double r = rank(), n = ranks();
  // rank r holds (r + 1) * base: the sum over ranks is base * n (n + 1) / 2
  const double k = n * (n + 1) / 2;
  std::tuple<T2, double, F1> g{T2{{1.0, 2.0}, {3.0, 4.0}} * (r + 1), 0.5 * (r + 1),
                               F1{1.5f, -2.0f} * float(r + 1)};
  tt::mpi::allreduce(g);
  CHECK(std::get<0>(g) == T2(T2{{1.0, 2.0}, {3.0, 4.0}} * k));
  CHECK(std::get<1>(g) == 0.5 * k);
  CHECK(std::get<2>(g)(1) == -2.0f * float(k));

  double v = r + 1;
  tt::mpi::allreduce(v, tt::mpi::op::mean);
  CHECK(v == doctest::Approx(k / n));
}

TEST_CASE("the gradient of each rank's shard, summed, is the gradient of the whole") {
  // sum over all 8 items of (w x_i - y_i)^2, items split across the ranks
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8}, y{2, 3, 5, 8, 13, 21, 34, 55};
  tt::variable<"w"> w{0.5};
  const std::size_t b = x.size() * std::size_t(rank()) / std::size_t(ranks());
  const std::size_t e = x.size() * std::size_t(rank() + 1) / std::size_t(ranks());
  auto shard =
      tt::sum_over<"i">(b, e, [&](auto i) { return tt::square(w * tt::at(x, i) - tt::at(y, i)); });
  double g = tt::gradient(shard, w);
  tt::mpi::allreduce(g);
  double expect = 0;
  for (std::size_t i = 0; i < x.size(); ++i) expect += 2 * (0.5 * x[i] - y[i]) * x[i];
  CHECK(g == doctest::Approx(expect).epsilon(1e-14));
}

TEST_CASE("broadcast gives every rank root's parameters") {
  tt::variable<"W", T2> W{T2{{1.0, 2.0}} * double(rank() + 1)};
  tt::variable<"b"> b{double(rank()) - 3.0};
  tt::mpi::broadcast(std::tie(W, b));
  CHECK(W.get() == T2{{1.0, 2.0}});
  CHECK(b.get() == -3.0);
}

TEST_CASE("ranks whose gradients differ in size: tt::shape_error on every rank") {
  T1 g = xt::ones<double>({std::size_t(2 + rank())});
  if (ranks() > 1)
    CHECK_THROWS_WITH_AS(
        tt::mpi::allreduce(g),
        "TT-E12: allreduce: the ranks' gradients differ in size: 2 to 3 elements. See "
        "docs/errors.md#tt-e12.",
        tt::shape_error);
  CHECK(g(0) == 1.0);  // untouched
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  doctest::Context ctx(argc, argv);
  if (rank() != 0) ctx.setOption("out", "/dev/null");  // one rank reports
  int failed = ctx.run() != 0;
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return failed;
}
