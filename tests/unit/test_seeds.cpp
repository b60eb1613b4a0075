// The seed articles' legitimate examples, with TensorFlow's real values
// (../../../shared/seed-notes.md). Their misuses are compile-fail snippets in
// ../compile_fail/ (named after the seed). Tensor versions (matmul, conv2d) of
// seeds 000 and 003 come with the tensor back end; here they are scalar.
#include <cmath>
#include <utility>

#include "gradcheck.hpp"

namespace {
// Ten variables x0..x9, named at compile time: the seed's x of shape [1, 10].
template <std::size_t... I>
auto make_xs(std::index_sequence<I...>) {
  return std::tuple<tt::basic_variable<tt::name<'x', char('0' + I)>, double>...>{
      (0.1 * I - 0.3)...};
}
}  // namespace

TEST_CASE("seed 000: a fresh recording per iteration; loss = sum(x @ ones) has gradient 1") {
  auto xs = make_xs(std::make_index_sequence<10>{});
  for (int it = 0; it < 3; ++it) {
    auto loss = std::apply([](const auto&... x) { return ((x * 1.0) + ...); }, xs);
    const auto grads =
        std::apply([&](const auto&... x) { return tt::gradient(loss, std::tie(x...)); }, xs);
    std::apply([](auto... g) { ([&] { CHECK(g == 1.0); }(), ...); }, grads);
    std::get<0>(xs) += 0.5;  // the variables move between iterations
  }
}

TEST_CASE("seed 000: persistent tape, gradient inside the block, then released") {
  tt::variable<"x"> x{0.4};
  auto loss = x * x;  // a loss whose gradient changes as x moves: 2x
  double grads_list[3] = {};
  for (int i = 0; i < 3; ++i) {
    {
      auto t = tt::record<tt::persistent>(loss);
      grads_list[i] = t.gradient(loss, x);
      CHECK(t.gradient(loss, x) == grads_list[i]);  // persistent: asked twice, same answer
    }  // `del tape`: the recording lives exactly as long as the tape object
    x += 1.0;
  }
  CHECK(grads_list[0] == doctest::Approx(0.8));
  CHECK(grads_list[1] == doctest::Approx(2.8));
  CHECK(grads_list[2] == doctest::Approx(4.8));
}

TEST_CASE("seed 001: z = x*x on a tape; a = y + 5 with y = x*3 gives 3 (not None)") {
  tt::variable<"x"> x{2.0};
  auto y = x * 3.0;
  auto z = x * x;
  CHECK(tt::gradient(z, x) == 4.0);
  auto a = y + 5.0;  // y is part of a's expression, so the gradient reaches x
  auto tape2 = tt::record(a);
  CHECK(std::move(tape2).gradient(a, x) == 3.0);
}

TEST_CASE("seed 001: a plain number times a variable (numpy array case): 3.0") {
  tt::variable<"x"> x{2.0};
  const double y = 3.0;  // np.array(3.0)
  CHECK(tt::gradient(x * y, x) == 3.0);
  const tt::constant<double> yc{3.0};  // tf.constant(3.0)
  CHECK(tt::gradient(x * yc, x) == 3.0);
}

TEST_CASE("seed 001: persistent tape, dy/dx = 4 and dz/dx = 32") {
  tt::variable<"x"> x{2.0};
  auto y = tt::let<"y">(x * x);
  auto z = y * y;
  auto t = tt::record<tt::persistent>(y, z);
  CHECK(t.gradient(y, x) == 4.0);
  CHECK(t.gradient(z, x) == 32.0);
}

TEST_CASE("seed 002: assign_add after y = x*x gives 4.0 (values at recording)") {
  tt::variable<"x"> x{2.0};
  auto y = x * x;
  auto t = tt::record(y);
  x += 1.0;
  CHECK(std::move(t).gradient(y, x) == 4.0);
}

TEST_CASE("seed 002: the data-dependent branch, with where(): 4.0 at x=2, 1.0 at x=0") {
  tt::variable<"x"> x{2.0};
  auto y = tt::where(x > 1.0, x * x, x);
  CHECK(tt::gradient(y, x) == 4.0);
  x = 0.0;
  CHECK(tt::gradient(y, x) == 1.0);
}

TEST_CASE("seed 002: a function that assigns, then returns x*x: 6.0") {
  tt::variable<"x"> x{2.0};
  auto my_custom_function = [](tt::variable<"x">& v) {
    v += 1.0;  // x.assign_add(1.0): happens before the multiply is recorded
    return v * v;
  };
  auto y = my_custom_function(x);
  CHECK(tt::gradient(y, x) == 6.0);
}

TEST_CASE("seed 002: the nested-tape 'fix': (x + Variable(1.0))^2 gives 6.0 (the seed says None)") {
  tt::variable<"x"> x{2.0};
  tt::variable<"one"> one{1.0};  // tf.Variable(1.0): trainable, watched
  auto shifted = x + one;
  auto [gx, gone] = tt::gradient(shifted * shifted, std::tie(x, one));
  CHECK(gx == 6.0);  // analytic: 2 (x + 1)
  CHECK(gone == 6.0);
}

TEST_CASE("seed 003 as written: a non-persistent tape, d loss/d conv, then a second gradient()") {
  const double input = 0.8;
  tt::variable<"filter"> filter{-1.25};
  auto conv = tt::let<"conv">(input * filter);
  auto loss = tt::square(conv);
  auto t = tt::record(loss);
  const double cv = input * filter.get();
  CHECK(std::move(t).gradient(loss, conv) == doctest::Approx(2 * cv));  // a value, not None
  // TensorFlow: RuntimeError "A non-persistent GradientTape can only be used to compute one set of
  // gradients"
  CHECK_THROWS_WITH_AS(ttest::consume(t, loss, filter), doctest::Contains("TT-E04"),
                       tt::consumed_tape_error);
}

TEST_CASE("seed 003: conv output of a constant input is differentiable when named") {
  const double input = 0.8;  // tf.constant input
  tt::variable<"filter"> filter{-1.25};
  auto conv = tt::let<"conv">(input * filter);
  auto loss = tt::square(conv);  // reduce_mean over one element
  auto t = tt::record<tt::persistent>(loss);
  const double cv = input * filter.get();
  CHECK(t.gradient(loss, conv) == doctest::Approx(2 * cv));            // a value, not None
  CHECK(t.gradient(loss, filter) == doctest::Approx(2 * cv * input));  // the filter's
}

TEST_CASE("seed 004: an RNN cell with a constant (numpy) initial state trains its weights") {
  tt::variable<"w"> w{0.3};   // kernel
  tt::variable<"u"> u{-0.7};  // recurrent kernel
  tt::variable<"b"> b{0.1};   // bias
  const double h0 = 0.25;     // state from numpy: a constant
  const double x1 = 1.2, x2 = -0.4;
  auto h1 = tt::let<"h1">(tt::tanh(w * x1 + u * h0 + b));
  auto h2 = tt::tanh(w * x2 + u * h1 + b);
  auto loss = h2;
  ttest::gradcheck(loss, w, u, b);
  // analytic BPTT over the two steps
  const double a1 = 0.3 * x1 - 0.7 * h0 + 0.1, h1v = std::tanh(a1);
  const double a2 = 0.3 * x2 - 0.7 * h1v + 0.1, d2 = 1 - std::tanh(a2) * std::tanh(a2);
  const double d1 = 1 - h1v * h1v;
  auto [gw, gu, gb] = tt::gradient(loss, std::tie(w, u, b));
  CHECK(gw == doctest::Approx(d2 * (x2 + (-0.7) * d1 * x1)));
  CHECK(gu == doctest::Approx(d2 * (h1v + (-0.7) * d1 * h0)));
  CHECK(gb == doctest::Approx(d2 * (1 + (-0.7) * d1)));
}

TEST_CASE("seed 004: a layer's variables are part of it, so they cannot go missing") {
  struct my_layer {
    tt::variable<"W"> W{0.5};
    tt::variable<"bias"> bias{0.1};
    auto operator()(double in) const { return W * in + bias; }
  };
  my_layer layer;
  auto out = layer(2.0);
  auto [gW, gb] = tt::gradient(out, std::tie(layer.W, layer.bias));
  CHECK(gW == 2.0);
  CHECK(gb == 1.0);
}
