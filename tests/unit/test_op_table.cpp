// Every op in detail::elementwise_ops, checked by what its own struct states (the table
// and the structs are in ops/arithmetic.hpp and ops/elementwise.hpp): gradients against
// finite differences in double and in float at points drawn from the op's domain; at its
// kink, the derivative lies between the one-sided ones; forward mode (jvp, derived from the
// VJP), Hessians and hvp against finite differences of typetape's gradients. The tensor
// cases (broadcasting) are in test_op_table_tensor.cpp, PyTorch's values in test_oracle.cpp.
// An op added to the table is tested by all of these with no line here.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "gradcheck.hpp"

namespace {

using ttest::gradcheck;

constexpr int points = 24;

using tt::detail::for_each_elementwise_op;
using tt::detail::is_binary_op;

/// A point in the op's domain: operand k's interval, shrunk by `margin` at each end.
template <class Op>
double draw(ttest::sampler& s, int k, double margin = 0) {
  const auto iv = k == 0 ? Op::domain.a : Op::domain.b;
  const double w = iv.hi - iv.lo;
  return s(iv.lo + margin * w, iv.hi - margin * w);
}

/// Op applied to the variables (one or two), as an expression.
template <class Op, class X, class Y>
auto apply(X& x, Y& y) {
  if constexpr (is_binary_op<Op>)
    return tt::detail::make<Op>(x, y);
  else
    return (void)y, tt::detail::make<Op>(x);
}

template <class T, class Op>
void gradcheck_op(Op, ttest::tolerance tol) {
  INFO("op ", Op::name, " in ", sizeof(T) == 4 ? "float" : "double");
  ttest::sampler s;
  tt::variable<"x", T> x{T(0)};
  tt::variable<"y", T> y{T(0)};
  for (int i = 0; i < points; ++i) {
    x = T(draw<Op>(s, 0, 0.01));
    y = T(draw<Op>(s, 1, 0.01));
    if constexpr (is_binary_op<Op>)
      gradcheck(apply<Op>(x, y), tol, x, y);
    else
      gradcheck(apply<Op>(x, y), tol, x);
  }
}

}  // namespace

TEST_CASE("the table: every elementwise op names itself, its domain and its PyTorch spelling") {
  std::size_t n = 0;
  for_each_elementwise_op([&]<class Op>(Op) {
    ++n;
    CHECK(!Op::name.empty());
    CHECK(Op::torch.substr(0, 6) == "torch.");
    CHECK(Op::domain.a.lo < Op::domain.a.hi);
    CHECK(Op::domain.b.lo < Op::domain.b.hi);
  });
  CHECK(n == tt::detail::elementwise_ops::size);
}

TEST_CASE("every elementwise op: gradients against finite differences, in double") {
  for_each_elementwise_op([]<class Op>(Op op) { gradcheck_op<double>(op, {1e-6, 0}); });
}

TEST_CASE("every elementwise op: gradients against finite differences, in float") {
  // float: the finite differences carry ~1e-4 relative error
  for_each_elementwise_op([]<class Op>(Op op) { gradcheck_op<float>(op, {2e-3, 1e-5}); });
}

TEST_CASE(
    "every elementwise op with a kink: the derivative there lies between the one-sided ones") {
  for_each_elementwise_op([]<class Op>(Op) {
    if constexpr (Op::domain.kink == Op::domain.kink) {  // not NaN
      INFO("op ", Op::name, " at its kink ", Op::domain.kink);
      const double k = Op::domain.kink, h = 1e-7;
      tt::variable<"x"> x{k};
      tt::variable<"y"> y{k};
      const auto f = apply<Op>(x, y);
      auto one_sided = [&](auto& v, double step) {  // (f(k + step) - f(k)) / step, v nudged alone
        const double f0 = tt::eval(f);
        v = k + step;
        const double f1 = tt::eval(f);
        v = k;
        return (f1 - f0) / step;
      };
      auto check_var = [&](auto& v, double g) {
        const double left = one_sided(v, -h), right = one_sided(v, h);
        INFO("d/d", v.name(), " = ", g, "; one-sided: ", left, ", ", right);
        CHECK(g >= std::min(left, right) - 1e-6);  // a subgradient (TensorFlow's abs'(0) = 0,
        CHECK(g <= std::max(left, right) + 1e-6);  // relu'(0) = 0, ties to the first operand)
      };
      if constexpr (is_binary_op<Op>) {
        const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
        check_var(x, gx);
        check_var(y, gy);
      } else {
        check_var(x, tt::gradient(f, x));
      }
    }
  });
}

TEST_CASE("every elementwise op: jvp, Hessian and hvp against finite differences of the gradient") {
  // the op composed with a product, so that the Hessian has mixed terms
  for_each_elementwise_op([]<class Op>(Op) {
    INFO("op ", Op::name);
    ttest::sampler s;
    tt::variable<"x"> x{0.0};
    tt::variable<"y"> y{0.0};
    for (int i = 0; i < 6; ++i) {
      x = draw<Op>(s, 0, 0.05);
      y = draw<Op>(s, 1, 0.05);
      const auto f = apply<Op>(x, y) * (y + 0.5 * x);
      const auto H = tt::hessian(f, std::tie(x, y));
      const double e = 1e-5;
      auto grad_at = [&](double dx, double dy) {
        const double x0 = x.get(), y0 = y.get();
        x = x0 + dx;
        y = y0 + dy;
        const auto g = tt::gradient(f, std::tie(x, y));
        x = x0;
        y = y0;
        return std::array<double, 2>{std::get<0>(g), std::get<1>(g)};
      };
      const auto px = grad_at(e, 0), mx = grad_at(-e, 0), py = grad_at(0, e), my = grad_at(0, -e);
      for (int r = 0; r < 2; ++r) {
        const double fd_x = (px[r] - mx[r]) / (2 * e), fd_y = (py[r] - my[r]) / (2 * e);
        const double scale = 1 + std::abs(fd_x) + std::abs(fd_y);
        INFO("row ", r, " at x = ", x.get(), ", y = ", y.get());
        CHECK(std::abs(H[r][0] - fd_x) <= 1e-5 * scale);
        CHECK(std::abs(H[r][1] - fd_y) <= 1e-5 * scale);
      }
      const double vx = 0.3, vy = -1.1;
      const auto [val, dir] = tt::jvp(f, std::tie(x, y), std::tuple(vx, vy));
      const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
      CHECK(val == doctest::Approx(tt::eval(f)).epsilon(1e-14));
      CHECK(dir == doctest::Approx(gx * vx + gy * vy).epsilon(1e-12));
      const auto [hx, hy] = tt::hvp(f, std::tie(x, y), std::tuple(vx, vy));
      CHECK(hx == doctest::Approx(H[0][0] * vx + H[0][1] * vy).epsilon(1e-12));
      CHECK(hy == doctest::Approx(H[1][0] * vx + H[1][1] * vy).epsilon(1e-12));
    }
  });
}

TEST_CASE("every elementwise op at NaN: the value is NaN, and the backward pass keeps it") {
  // A NaN operand gives a NaN value, and a NaN derivative w.r.t. each operand, except where
  // the derivative does not depend on the operands (+, -, unary -) or is TensorFlow's mask
  // (relu: 0; max, min: the adjoint goes to the first operand): never a NaN turned into a
  // plain 0 (|x|' at NaN was 0; TensorFlow and NumPy say sign(NaN) = NaN).
  for_each_elementwise_op([]<class Op>(Op) {
    namespace d = tt::detail;
    INFO("op ", Op::name);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    tt::variable<"x"> x{nan};
    tt::variable<"y"> y{nan};
    const auto f = apply<Op>(x, y);
    CHECK(std::isnan(tt::eval(f)));
    const auto expect = [](int i) -> double {  // NaN: the derivative must be NaN
      if constexpr (std::is_same_v<Op, d::add_op>) return 1.0;
      if constexpr (std::is_same_v<Op, d::sub_op>) return i == 0 ? 1.0 : -1.0;
      if constexpr (std::is_same_v<Op, d::neg_op>) return -1.0;
      if constexpr (std::is_same_v<Op, d::relu_op>) return 0.0;
      if constexpr (std::is_same_v<Op, d::max_op> || std::is_same_v<Op, d::min_op>)
        return i == 0 ? 1.0 : 0.0;
      return std::numeric_limits<double>::quiet_NaN();
    };
    auto check = [&](int i, double g) {
      INFO("d/d operand ", i, " = ", g);
      if (std::isnan(expect(i)))
        CHECK(std::isnan(g));
      else
        CHECK(g == expect(i));
    };
    if constexpr (is_binary_op<Op>) {
      const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
      check(0, gx);
      check(1, gy);
    } else {
      check(0, tt::gradient(f, x));
    }
  });
}

TEST_CASE("every elementwise op at +-inf: the derivative is its limit, never a NaN from inf/inf") {
  // With one operand infinite (the other inside its domain), each derivative must be the limit
  // of the derivative as that operand grows, read from the derivatives at 1e100 and 1e150: the
  // same to 1e-9 (a finite limit, 0 included: to 1e-40), or at least doubled (diverging: +-inf
  // of that sign). A NaN from inf/inf or 0*inf inside a VJP where the limit exists is a NaN the
  // user did not make (hypot(inf, 1)' was inf/inf). Where the op is undefined (the value is
  // NaN: sin(inf), log(-inf); or at 1e150: pow(-1e150, 0.625)), nothing is checked: the
  // derivative is its formula's value there, as in TensorFlow and PyTorch (log'(-inf) = -0).
  // Forward mode gives the same. Both operands infinite is left out: there the limits
  // of atan2, hypot and x/y depend on the direction.
  for_each_elementwise_op([]<class Op>(Op) {
    const double inf = std::numeric_limits<double>::infinity();
    for (int k = 0; k < (is_binary_op<Op> ? 2 : 1); ++k)
      for (const double sgn : {1.0, -1.0}) {
        const auto& other_iv = k == 0 ? Op::domain.b : Op::domain.a;
        const double other = (other_iv.lo + other_iv.hi) / 2 + 0.125;
        // {value, jvp along the large operand, d/d operand 0, d/d operand 1}
        const auto at = [&](double big) {
          tt::variable<"x"> x{k == 0 ? sgn * big : other};
          tt::variable<"y"> y{k == 1 ? sgn * big : other};
          const auto f = apply<Op>(x, y);
          std::array<double, 4> r{tt::eval(f), 0, 0, 0};
          if constexpr (is_binary_op<Op>) {
            const auto [gx, gy] = tt::gradient(f, std::tie(x, y));
            r[2] = gx;
            r[3] = gy;
            const auto [v, t] =
                tt::jvp(f, std::tie(x, y), std::tuple{k == 0 ? 1.0 : 0.0, k == 1 ? 1.0 : 0.0});
            r[1] = t;
          } else {
            r[2] = tt::gradient(f, x);
            const auto [v, t] = tt::jvp(f, x, 1.0);
            r[1] = t;
          }
          return r;
        };
        const auto g = at(inf), g150 = at(1e150), g100 = at(1e100);
        INFO("op ", Op::name, " with operand ", k, " = ", sgn > 0 ? "+inf" : "-inf", ", the other ",
             other, "; value ", g[0]);
        for (int i = 2; i < (is_binary_op<Op> ? 4 : 3); ++i) {
          INFO("d/d operand ", i - 2, ": at inf ", g[i], ", at 1e150 ", g150[i], ", at 1e100 ",
               g100[i]);
          const double tol = std::max(1e-40, 1e-9 * std::abs(g150[i]));
          if (std::isnan(g[0]) || std::isnan(g150[i]))
            continue;
          else if (std::abs(g150[i] - g100[i]) <= tol)
            CHECK(std::abs(g[i] - g150[i]) <= tol);
          else if (std::abs(g150[i]) >= 2 * std::abs(g100[i]))
            CHECK(g[i] == std::copysign(inf, g150[i]));
          else
            FAIL_CHECK("no limit read from 1e100 and 1e150");
        }
        INFO("jvp ", g[1], ", gradient ", g[k + 2]);
        CHECK((std::isnan(g[k + 2]) ? std::isnan(g[1]) : g[1] == g[k + 2]));
      }
  });
}
