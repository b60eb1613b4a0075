// Leaves, names, let, watch, constants, the closure rule, eval and .value().
#include <sstream>
#include <string_view>

#include "gradcheck.hpp"

TEST_CASE("variables carry their name and their value") {
  tt::variable<"weight"> w{1.5};
  CHECK(w.name() == std::string_view("weight"));
  CHECK(w.get() == 1.5);
  w = 2.0;
  w += 1.0;
  CHECK(w.get() == 3.0);
  static_assert(std::is_same_v<tt::variable<"weight">,
                               tt::basic_variable<tt::name<'w', 'e', 'i', 'g', 'h', 't'>, double>>);
  static_assert(!std::is_copy_constructible_v<tt::variable<"w">>);
}

TEST_CASE("expressions refer to variables: eval sees the current value") {
  tt::variable<"x"> x{2.0};
  auto y = x * x + 1.0;
  CHECK(tt::eval(y) == 5.0);
  x = 3.0;
  CHECK(tt::eval(y) == 10.0);
  // nodes hold variables by pointer, everything else by value
  static_assert(sizeof(tt::var_ref<tt::name<'x'>, double>) == sizeof(void*));
}

TEST_CASE("let: one node however often used, computed once, adjoint accumulated") {
  tt::variable<"x"> x{1.5};
  auto h = tt::let<"h">(tt::sin(x) * x);
  auto y = h * h + 3.0 * h + tt::exp(h);
  const double hv = std::sin(1.5) * 1.5;
  CHECK(tt::eval(y) == doctest::Approx(hv * hv + 3 * hv + std::exp(hv)));
  // dy/dh = 2h + 3 + e^h; dh/dx = cos(x) x + sin(x)
  const double dydh = 2 * hv + 3 + std::exp(hv);
  const double dhdx = std::cos(1.5) * 1.5 + std::sin(1.5);
  auto t = tt::record<tt::persistent>(y);
  CHECK(t.gradient(y, h) == doctest::Approx(dydh));
  CHECK(t.gradient(y, x) == doctest::Approx(dydh * dhdx));
  ttest::gradcheck(y, x);
}

TEST_CASE("nested lets, one used inside another and directly") {
  tt::variable<"x"> x{0.8};
  tt::variable<"y"> y{-0.3};
  auto a = tt::let<"a">(x * y + 1.0);
  auto b = tt::let<"b">(tt::tanh(a) * x);
  auto c = tt::let<"c">(b * a - y);
  auto loss = c * c + a + b;
  ttest::gradcheck(loss, x, y);
  // d loss / d a, with a used by b, by c and directly: finite differences on a's
  // value are not available, so check the chain rule by hand.
  const double av = 0.8 * -0.3 + 1.0, bv = std::tanh(av) * 0.8, cv = bv * av + 0.3;
  const double dl_dc = 2 * cv, dl_db = 1 + dl_dc * av;
  const double dl_da = 1 + dl_dc * bv + dl_db * (1 - std::tanh(av) * std::tanh(av)) * 0.8;
  auto t = tt::record<tt::persistent>(loss);
  auto [ga, gb, gc] = t.gradient(loss, std::tie(a, b, c));
  CHECK(gc == doctest::Approx(dl_dc));
  CHECK(gb == doctest::Approx(dl_db));
  CHECK(ga == doctest::Approx(dl_da));
}

TEST_CASE("watch makes a constant a source; constants are not sources") {
  const tt::constant<double> c{3.0};
  auto cw = tt::watch<"c">(c);
  tt::variable<"x"> x{2.0};
  auto y = cw * cw * x + c;
  auto [gc, gx] = tt::gradient(y, std::tie(cw, x));
  CHECK(gc == 12.0);
  CHECK(gx == 9.0);
  ttest::sampler s;
  for (int i = 0; i < 20; ++i) {  // a watched constant's gradient is its own, not a variable's
    tt::constant<double> k{s(-2, 2)};
    auto kw = tt::watch<"k">(k);
    x = s(-2, 2);
    auto f = tt::sin(kw * x) + kw * kw;
    const double g = tt::gradient(f, kw);
    CHECK(g == doctest::Approx(x.get() * std::cos(k.v * x.get()) + 2 * k.v));  // analytic
    const ttest::estimate fd = ttest::finite_difference(f, k);  // nudging the constant itself
    CHECK(ttest::close(g, fd.value, {}, fd.noise));
  }
  static_assert(!tt::is_source<tt::constant<double>>);
  static_assert(tt::is_source<decltype(cw)>);
}

TEST_CASE(".value() takes the number out: convertible, printable, detaching") {
  tt::variable<"x"> x{2.0};
  const double v = x.value();
  CHECK(v == 2.0);
  auto y = x * x;
  const double yv = y.value();
  CHECK(yv == 4.0);
  std::ostringstream os;
  os << y.value();
  CHECK(os.str() == "4");
  static_assert(tt::only_detached<decltype(y.value() * 3.0), decltype(x)>);
}

TEST_CASE("mixing plain numbers of any arithmetic type") {
  tt::variable<"x"> x{2.0};
  auto y = 3 * x + 2.5f - x / 4u;
  CHECK(tt::eval(y) == doctest::Approx(3 * 2.0 + 2.5 - 0.5));
  CHECK(tt::gradient(y, x) == doctest::Approx(2.75));
}
