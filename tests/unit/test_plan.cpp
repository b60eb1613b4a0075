// tt::plan_gradient: a gradient computed again and again from records kept between calls.
// Each call's gradient is checked against central finite differences at the variables' values
// of that call (after SGD steps, after the data changed, after a call that threw), so that a
// record left over from the call before would show.
#include <cmath>

#include "tensor_check.hpp"

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;

namespace {

/// A tensor of shape (r, c) with entries scale * sin(0.7 k + t) (k the flat index).
T2 wave(std::size_t r, std::size_t c, double t, double scale) {
  T2 m = T2::from_shape({r, c});
  for (std::size_t k = 0; k < m.size(); ++k) m.data()[k] = scale * std::sin(0.7 * double(k) + t);
  return m;
}
T1 wave(std::size_t n, double t, double scale) {
  T1 v = T1::from_shape({n});
  for (std::size_t k = 0; k < n; ++k) v(k) = scale * std::sin(0.7 * double(k) + t);
  return v;
}

/// Every element of g against central finite differences of loss() w.r.t. v.
template <class L, class V, class G>
void check_against_differences(const L& loss, V& v, const G& g) {
  INFO("d/d", v.name());
  REQUIRE(tt::detail::shape_of(g) == tt::detail::shape_of(v.get()));
  const auto fd = ttest::element_differences(loss, v);
  for (std::size_t i = 0; i < fd.size(); ++i) {
    INFO("element ", i, ": plan ", ttest::element(g, i), ", finite differences ", fd[i].value);
    CHECK(ttest::close(ttest::element(g, i), fd[i].value, ttest::tolerance{1e-6, 0}, fd[i].noise));
  }
}

/// One SGD step on a tensor variable.
template <class V, class G>
void sgd(V& v, const G& g, double lr) {
  v = typename V::value_type(v.get() - lr * g);
}

}  // namespace

TEST_CASE("plan_gradient: an MLP step with softmax cross-entropy, over SGD steps") {
  const T2 x = wave(6, 5, 0.3, 1.0);
  T2 y = xt::zeros<double>({6, 3});
  for (std::size_t i = 0; i < 6; ++i) y(i, i % 3) = 1;
  tt::variable<"W1", T2> W1{wave(5, 4, 0.0, 0.4)};
  tt::variable<"b1", T1> b1{wave(4, 1.0, 0.1)};
  tt::variable<"W2", T2> W2{wave(4, 3, 2.0, 0.4)};
  tt::variable<"b2", T1> b2{wave(3, 3.0, 0.1)};
  const auto loss = tt::cross_entropy(tt::matmul(tt::tanh(tt::matmul(x, W1) + b1), W2) + b2, y);
  auto plan = tt::plan_gradient(loss, std::tie(W1, b1, W2, b2));
  T2 gW1, gW2;
  T1 gb1, gb2;
  const auto value = [&] { return double(tt::eval(loss)); };
  double before = value();
  for (int step = 0; step < 4; ++step) {
    CAPTURE(step);
    plan.into(std::tie(gW1, gb1, gW2, gb2));
    check_against_differences(value, W1, gW1);
    check_against_differences(value, b1, gb1);
    check_against_differences(value, W2, gW2);
    check_against_differences(value, b2, gb2);
    sgd(W1, gW1, 0.5);
    sgd(b1, gb1, 0.5);
    sgd(W2, gW2, 0.5);
    sgd(b2, gb2, 0.5);
    const double after = value();
    CHECK(after < before);  // a descent step on a smooth loss, at this rate
    before = after;
  }
}

TEST_CASE(
    "plan_gradient: an RNN through tt::scan, the variables and the data changed between calls") {
  tt::variable<"U", T2> U{wave(3, 4, 0.0, 0.5)};
  tt::variable<"V", T2> V{wave(4, 4, 1.0, 0.4)};
  tt::variable<"c", T1> c{wave(4, 2.0, 0.1)};
  T3 xs = T3::from_shape({7, 2, 3});
  for (std::size_t k = 0; k < xs.size(); ++k) xs.data()[k] = std::cos(0.3 * double(k));
  const T2 h0 = wave(2, 4, 4.0, 0.2), target = wave(2, 4, 5.0, 0.5);
  auto cell = [&](const auto& h, const auto& x) {
    return tt::tanh(tt::matmul(x, U) + tt::matmul(h, V) + c);
  };
  // three calls, each checked at the values of its own moment; between calls, an SGD step
  // on U and c and the data scaled (the scan reads xs where it lies)
  auto three_calls = [&](const auto& loss) {
    auto plan = tt::plan_gradient(loss, std::tie(U, V, c));
    auto g = tt::gradient(loss, std::tie(U, V, c));  // places of the right types
    const auto value = [&] { return double(tt::eval(loss)); };
    for (int call = 0; call < 3; ++call) {
      CAPTURE(call);
      plan.into(g);
      check_against_differences(value, U, std::get<0>(g));
      check_against_differences(value, V, std::get<1>(g));
      check_against_differences(value, c, std::get<2>(g));
      sgd(U, std::get<0>(g), 0.3);
      sgd(c, std::get<2>(g), 0.3);
      xs *= 0.8;
    }
  };
  SUBCASE("every step's record kept") {
    three_calls(tt::mse(tt::scan<"rnn">(cell, h0, xs), target));
  }
  SUBCASE("checkpointed every 3 steps") {
    three_calls(tt::mse(tt::scan<"rnn">(cell, h0, xs, tt::checkpoint{3}), target));
  }
}

TEST_CASE("plan_gradient: one source, a place of its own; a call that throws leaves it as it was") {
  tt::variable<"W", T2> W{wave(3, 4, 0.5, 0.3)};
  const T2 x = wave(2, 3, 1.5, 1.0);
  const auto loss = tt::sum(tt::square(tt::tanh(tt::matmul(x, W))));
  auto plan = tt::plan_gradient(loss, W);
  T2 g;
  plan.into(g);
  const auto value = [&] { return double(tt::eval(loss)); };
  check_against_differences(value, W, g);
  const T2 kept = g;

  // a W of the wrong shape: the product's shape error, as tt::gradient_into gives it, and the
  // place untouched (the forward pass threw before anything was written)
  const T2 good = W.get();
  W = wave(2, 4, 0.5, 0.3);
  CHECK_THROWS_WITH_AS(plan.into(g), doctest::Contains("matmul"), tt::shape_error);
  CHECK(g == kept);
  // the next call, with W as it was, is right again: nothing of the failed call is left
  W = T2(good * 1.5);
  plan.into(g);
  check_against_differences(value, W, g);
}

TEST_CASE("plan_gradient: the plan moves, and keeps working") {
  tt::variable<"a", T1> a{wave(5, 0.2, 1.0)};
  const auto loss = tt::sum(tt::exp(a) * a);
  auto make = [&] { return tt::plan_gradient(loss, a); };
  auto plan = make();  // returned from a function: moved
  T1 g;
  plan.into(g);
  for (std::size_t i = 0; i < 5; ++i)  // d/da_i of exp(a_i) a_i = exp(a_i) (1 + a_i)
    CHECK(g(i) == doctest::Approx(std::exp(a.get()(i)) * (1 + a.get()(i))).epsilon(1e-14));
  auto moved = std::move(plan);
  a = T1(a.get() * -2.0);
  moved.into(g);
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(g(i) == doctest::Approx(std::exp(a.get()(i)) * (1 + a.get()(i))).epsilon(1e-14));
}
