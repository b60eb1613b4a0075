// Heap allocations of tensor gradients, counted: built without XTENSOR_USE_XSIMD, so that
// xt::xtensor allocates through std::allocator, that is through the operator new counted
// here. tt::gradient_into reuses the caller's tensors; what still allocates per call is
// listed, so that a change that adds an allocation fails here.
#include <algorithm>
#include <cmath>
#include <typetape/tensor.hpp>

#include "count_new.hpp"
#include "tensor_check.hpp"

namespace {
using ttest::allocations;
using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
}  // namespace

/// Allocations made by f(), run once before to size the caller's tensors.
template <class F>
std::size_t allocations_of(F&& f) {
  f();
  const std::size_t before = allocations;
  f();
  return allocations - before;
}

TEST_CASE("the counter sees a tensor's allocation (the test can fail)") {
  CHECK(allocations_of([] { T1 t = T1::from_shape({100}); }) == 1);
}

TEST_CASE("a fused region's gradient into the caller's tensors: no allocation") {
  // x read twice and w once in one region: each adjoint written where it lies
  T1 x0 = T1::from_shape({1000});
  for (std::size_t i = 0; i < x0.size(); ++i) x0(i) = std::sin(0.01 * double(i));
  tt::variable<"x", T1> x{x0};
  tt::variable<"w", T1> w{x0 * 0.5};
  auto f = tt::sum(tt::square(x) * w + tt::sin(x));
  T1 gx, gw;
  CHECK(allocations_of([&] { tt::gradient_into(f, std::tie(x, w), std::tie(gx, gw)); }) == 0);
  for (std::size_t i = 0; i < x0.size(); i += 97) {
    CHECK(gx(i) == doctest::Approx(2 * x0(i) * 0.5 * x0(i) + std::cos(x0(i))).epsilon(1e-14));
    CHECK(gw(i) == doctest::Approx(x0(i) * x0(i)).epsilon(1e-14));
  }
  // tt::gradient allocates the two tensors it returns, and nothing else
  CHECK(allocations_of([&] { (void)tt::gradient(f, std::tie(x, w)); }) == 2);
}

TEST_CASE("what still allocates per call under tt::gradient_into") {
  const std::size_t n = 1000;
  T1 x0 = T1::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) x0(i) = 0.5 + 0.4 * std::sin(1.3 * double(i));
  tt::variable<"x", T1> x{x0};
  auto lo = tt::slice(x, {0, n - 1});
  auto rosen =
      tt::sum(100.0 * tt::square(tt::slice(x, {1, n}) - tt::square(lo)) + tt::square(1.0 - lo));
  T1 gx;
  // x[1:] adds into x's adjoint in place; the two reads of x[:-1] share one adjoint of their
  // own, added afterwards (a second stream into x's at another offset would stall)
  CHECK(allocations_of([&] { tt::gradient_into(rosen, x, gx); }) == 1);
  double worst = 0;  // and the gradient is the analytic one
  for (std::size_t i = 0; i < n; ++i) {
    double g = 0;
    if (i + 1 < n) g += -400.0 * (x0(i + 1) - x0(i) * x0(i)) * x0(i) - 2.0 * (1.0 - x0(i));
    if (i > 0) g += 200.0 * (x0(i) - x0(i - 1) * x0(i - 1));
    worst = std::max(worst, std::abs(gx(i) - g));
  }
  CHECK(worst < 1e-9);

  tt::variable<"W", T2> W{T2(xt::ones<double>({32, 32}) * 0.01)};
  tt::variable<"b", T1> b{T1(xt::zeros<double>({32}))};
  const T1 in = xt::ones<double>({32});
  auto dense = tt::sum(tt::square(tt::tanh(tt::matmul(W, in) + b)));
  T2 gW;
  T1 gb;
  // the product's value, recorded, and its adjoint from the fused region; W's adjoint is
  // written by GEMV where it lies, b's by the region
  CHECK(allocations_of([&] { tt::gradient_into(dense, std::tie(W, b), std::tie(gW, gb)); }) == 2);
  CHECK(gb(0) == doctest::Approx(2 * std::tanh(0.32) * (1 - std::tanh(0.32) * std::tanh(0.32))));
  CHECK(gW(3, 5) == doctest::Approx(gb(3)));  // x = 1: dW[i][j] = db[i] x[j]
}

TEST_CASE("what a training step still allocates under tt::gradient_into") {
  // an MLP step (two tanh layers, softmax cross-entropy): 8 tensors; an RNN through tt::scan,
  // 10 steps: 58, about 6 a step (78 before x U + h V was one node: two products, and one
  // adjoint for each of them). Each op's recorded value and each intermediate adjoint is a
  // fresh tensor on every call (a tape kept between calls would keep them); the parameters'
  // adjoints are the caller's, reused. A bias's adjoint is summed straight into the caller's
  // tensor (before, a tensor per layer, and in the scan one per step: 10 and 68)
  const T2 x = xt::ones<double>({5, 16}) * 0.1;
  T2 y = xt::zeros<double>({5, 4});
  for (std::size_t i = 0; i < 5; ++i) y(i, i % 4) = 1;
  tt::variable<"W1", T2> W1{T2(xt::ones<double>({16, 8}) * 0.05)};
  tt::variable<"b1", T1> b1{T1(xt::zeros<double>({8}))};
  tt::variable<"W2", T2> W2{T2(xt::ones<double>({8, 4}) * 0.05)};
  tt::variable<"b2", T1> b2{T1(xt::zeros<double>({4}))};
  const auto loss = tt::cross_entropy(tt::matmul(tt::tanh(tt::matmul(x, W1) + b1), W2) + b2, y);
  auto g = tt::gradient(loss, std::tie(W1, b1, W2, b2));
  CHECK(allocations_of([&] { tt::gradient_into(loss, std::tie(W1, b1, W2, b2), g); }) == 8);

  const std::size_t steps = 10;
  tt::variable<"U", T2> U{T2(xt::ones<double>({3, 4}) * 0.1)};
  tt::variable<"V", T2> V{T2(xt::ones<double>({4, 4}) * 0.1)};
  tt::variable<"c", T1> c{T1(xt::ones<double>({4}) * 0.01)};
  T3 xs = T3::from_shape({steps, 2, 3});
  xs.fill(1.0);
  const T2 h0 = xt::zeros<double>({2, 4}), target = xt::ones<double>({2, 4}) * 0.5;
  auto cell = [&](const auto& h, const auto& xt_) {
    return tt::tanh(tt::matmul(xt_, U) + tt::matmul(h, V) + c);
  };
  const auto rnn = tt::mse(tt::scan<"rnn">(cell, h0, xs), target);
  auto gr = tt::gradient(rnn, std::tie(U, V, c));
  CHECK(allocations_of([&] { tt::gradient_into(rnn, std::tie(U, V, c), gr); }) == 58);

  // the same steps through a tt::gradient_plan, whose records are kept between calls: the
  // products' and the fused regions' values, the scan's step records and step inputs are
  // written over. What is left is the intermediate nodes' adjoints: MLP 4 (the logits', the
  // second product's, the hidden layer's, the first product's); RNN 2 a step (the product
  // sum's and the state's) and 1 a call
  auto mlp = tt::plan_gradient(loss, std::tie(W1, b1, W2, b2));
  mlp.into(g);
  CHECK(allocations_of([&] { mlp.into(g); }) == 4);
  auto scanned = tt::plan_gradient(rnn, std::tie(U, V, c));
  scanned.into(gr);
  CHECK(allocations_of([&] { scanned.into(gr); }) == 21);
}
