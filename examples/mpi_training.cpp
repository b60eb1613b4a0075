// Data-parallel training over MPI (<typetape/mpi.hpp>): a two-layer perceptron fitted to a
// made-up regression task, the 512 samples split across the ranks. Each rank takes the
// gradient of its shard's part of the loss, tt::mpi::allreduce sums them (one MPI_Allreduce of
// one buffer), and every rank takes the same SGD step. Rank 0 then trains the same model on
// the whole batch in one process and checks that the parameters agree to 1e-12 (relative):
// the sum over shards is the full-batch gradient, up to the order of the additions.
//
//   mpirun -n 2 ./mpi_training [steps]
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <typetape/mpi.hpp>
#include <typetape/nn.hpp>
#include <xtensor/xview.hpp>

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
constexpr std::size_t samples = 512, features = 4, hidden = 16;

struct model {
  tt::nn::dense<"hidden"> h{features, hidden, 3};
  tt::nn::dense<"out"> out{hidden, 1, 4};
  auto params() { return std::tuple_cat(h.params(), out.params()); }
  /// The rows' part of the mean squared error over all samples.
  template <class X, class Y>
  auto loss(const X& x, const Y& y) const {
    return tt::sum(tt::square(out(tt::tanh(h(x))) - y)) / double(samples);
  }
};

/// The task: y = sin(x0) + x1 x2 - 0.5 x3, on a deterministic grid of inputs.
void make_data(T2& x, T2& y) {
  x = T2::from_shape({samples, features});
  y = T2::from_shape({samples, 1});
  for (std::size_t i = 0; i < samples; ++i) {
    for (std::size_t j = 0; j < features; ++j)
      x(i, j) = std::sin(0.7 * double(i) + 1.3 * double(j)) * (1.0 + 0.1 * double(j));
    y(i, 0) = std::sin(x(i, 0)) + x(i, 1) * x(i, 2) - 0.5 * x(i, 3);
  }
}

/// SGD with momentum on the rows [b, e); the gradient summed over the ranks when `reduce`.
double train(model& m, const T2& x, const T2& y, std::size_t b, std::size_t e, int steps,
             bool reduce) {
  tt::nn::sgd opt{.lr = 0.05, .momentum = 0.9};
  const T2 xs = xt::view(x, xt::range(b, e), xt::all());
  const T2 ys = xt::view(y, xt::range(b, e), xt::all());
  double last = 0;
  for (int s = 0; s < steps; ++s) {
    auto loss = m.loss(xs, ys);
    auto params = m.params();
    auto [value, g] = tt::value_and_gradient(loss, params);
    if (reduce) {
      tt::mpi::allreduce(g);
      tt::mpi::allreduce(value);
    }
    opt.step(params, g);
    last = value;
  }
  return last;
}

template <class P>
double max_relative_difference(const P& a, const P& b) {
  double worst = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&](const auto& u, const auto& v) {
          for (std::size_t k = 0; k < u.get().size(); ++k) {
            const double p = u.get().data()[k], q = v.get().data()[k];
            worst = std::max(worst, std::abs(p - q) / std::max(1e-300, std::abs(q)));
          }
        }(std::get<I>(a), std::get<I>(b)),
        ...);
  }
  (std::make_index_sequence<std::tuple_size_v<P>>{});
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int steps = argc > 1 ? std::atoi(argv[1]) : 50;
  T2 x, y;
  make_data(x, y);

  model m;
  tt::mpi::broadcast(m.params());  // every rank starts from rank 0's parameters
  const std::size_t b = samples * std::size_t(rank) / std::size_t(size);
  const std::size_t e = samples * std::size_t(rank + 1) / std::size_t(size);
  const double loss = train(m, x, y, b, e, steps, true);

  int ok = 1;
  if (rank == 0) {
    model one;  // the same initial parameters (the layers' seeds), the whole batch
    const double loss1 = train(one, x, y, 0, samples, steps, false);
    const double diff = max_relative_difference(m.params(), one.params());
    ok = diff <= 1e-12;
    std::printf("%d ranks x %zu samples, %d SGD steps: loss %.6f (one process: %.6f)\n", size,
                samples / std::size_t(size), steps, loss, loss1);
    std::printf(
        "parameters vs one process on the full batch: max relative difference %.2e "
        "(limit 1e-12): %s\n",
        diff, ok ? "agree" : "DIFFER");
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return ok ? 0 : 1;
}
