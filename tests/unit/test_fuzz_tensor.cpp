// A fuzzer for tensor expressions: a fixed set of expression shapes (each one type, so that
// the compile time stays bounded: about 30 s and 1.3 GB on g++ 12 -O2), run on random tensor
// shapes and values: NumPy broadcasting of random shapes (size-1 axes anywhere, missing
// leading axes, now and then an empty axis) in one fused region with a let; sum, mean,
// reduce_max, reduce_min, prod and log_sum_exp over an axis (sum and reduce_max over every
// axis), of a variable and of a fused region; reshape, transpose, slice, concatenate, stack
// and broadcast_to with random arguments; matmul and dot of random sizes. Each draw is checked
// against central finite differences of the values, every element of every variable, with a
// random output weight for tensor targets (in double, Richardson-refined: matmul is BLAS,
// double or float only, so no long double here), and the gradients' shapes must be the
// variables'. The values of the reductions, transpose and matmul are checked against plain
// loops. Shapes that do not fit (broadcasting, matmul's inner dimensions, concatenate,
// reshape, broadcast_to) must throw tt::shape_error, from tt::eval or tt::gradient, whose
// what() names both shapes. A failure prints the case, its random arguments, and every
// variable's shape and values.
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "tensor_check.hpp"

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using shape = tt::detail::shape_vec;

constexpr int draws = 100;  // random shapes per case

/// splitmix64 (fuzz.hpp has the same), for shapes and arguments.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return std::size_t(next() % n); }
  bool chance(int percent) { return int(below(100)) < percent; }
};

struct stats {
  long draws = 0, elements = 0, values = 0, mismatches = 0, failures = 0, printed = 0;
};
stats totals;

std::string str(const shape& s) { return tt::detail::shape_str(s); }

template <class V>
std::string dump(const V& v) {
  std::ostringstream o;
  o << std::setprecision(17);
  if constexpr (tt::tensor_like<typename V::value_type>) {
    const auto& t = v.get();
    o << v.name() << " " << str(tt::detail::shape_of(t)) << " = {";
    for (std::size_t i = 0; i < t.size(); ++i) o << (i ? ", " : "") << t.data()[i];
    o << "}";
  } else {
    o << v.name() << " = " << v.get();
  }
  return o.str();
}

void fail(const std::string& what) {
  ++totals.failures;
  if (totals.printed++ < 10) FAIL_CHECK("TENSOR FUZZ FAILURE: " << what);
}

/// A random shape of rank r, sizes in [1, 4] (0 with `empty` percent chance per axis).
shape random_shape(rng& r, std::size_t rank, int empty = 0) {
  shape s(rank);
  for (std::size_t i = 0; i < rank; ++i) s[i] = r.chance(empty) ? 0 : 1 + r.below(4);
  return s;
}
/// A shape that broadcasts against `to`: its last `rank` axes, each the same or 1.
shape broadcastable(rng& r, const shape& to, std::size_t rank) {
  shape s(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::size_t d = to[to.size() - rank + i];
    s[i] = r.chance(30) ? 1 : d;
  }
  return s;
}
/// A shape of the same rank as `like` that does not broadcast against it (one axis differs,
/// neither 1).
shape mismatched(rng& r, const shape& like) {
  shape s = like;
  const std::size_t i = r.below(like.size());
  s[i] = like[i] == 1 || like[i] == 0 ? 2 + r.below(3) : like[i] + 1 + r.below(2);
  return s;
}

template <class T>
T draw_tensor(ttest::sampler& s, const shape& sh, double lo = -1.5, double hi = 1.5) {
  return ttest::random_tensor<T>(s, sh, lo, hi);
}

/// Checks d <seed, y> / d v for every element of every variable against finite differences
/// (seed random for a tensor y, 1 for a scalar), and that each gradient has its variable's
/// shape. `args` describes the draw for the reproducer.
template <class Y, class... V>
void check(const std::string& name, const std::string& args, ttest::sampler& s, const Y& y,
           V&... v) {
  ++totals.draws;
  using YV = typename Y::value_type;
  const auto sg = ttest::seeded_gradient(
      y, [&](const auto& shape) { return draw_tensor<YV>(s, shape); }, v...);
  const auto& seed = sg.first;  // (clang 14 cannot capture structured bindings)
  const auto& grads = sg.second;
  const auto loss = [&] { return ttest::weigh(tt::eval(y), seed); };
  auto reproducer = [&] {
    std::string r = name + " with " + args + "\n";
    ((r += "  " + dump(v) + "\n"), ...);
    return r;
  };
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    (
        [&](auto& var, const auto& g) {
          if (tt::detail::shape_of(g) != tt::detail::shape_of(var.get())) {
            fail("the gradient w.r.t. " + std::string(var.name()) + " has shape " +
                 str(tt::detail::shape_of(g)) + ", the variable " +
                 str(tt::detail::shape_of(var.get())) + ": " + reproducer());
            return;
          }
          const auto fd = ttest::element_differences(loss, var);
          for (std::size_t i = 0; i < fd.size(); ++i) {
            ++totals.elements;
            const double gi = ttest::element(g, i);
            if (!ttest::close(gi, fd[i].value, {1e-6, 1e-9}, fd[i].noise)) {
              std::ostringstream o;
              o << std::setprecision(17) << "d/d" << var.name() << " element " << i << ": typetape "
                << gi << ", finite differences " << fd[i].value << " (noise " << fd[i].noise
                << "), in " << reproducer();
              fail(o.str());
            }
          }
        }(v, std::get<J>(grads)),
        ...);
  }
  (std::index_sequence_for<V...>{});
}

/// f() must throw tt::shape_error whose message names both shapes.
template <class F>
void expect_shape_error(const std::string& name, const shape& a, const shape& b, F&& f) {
  ++totals.mismatches;
  const std::string what = ttest::thrown(f);
  if (what.empty()) {
    fail(name + ": shapes " + str(a) + " and " + str(b) + " do not fit, and nothing was thrown");
    return;
  }
  if (what.find(str(a)) == std::string::npos || what.find(str(b)) == std::string::npos)
    fail(name + ": shapes " + str(a) + " and " + str(b) + " do not fit, and the message does " +
         "not name both: \"" + what + "\"");
  bool is_shape_error = false;
  try {
    f();
  } catch (const tt::shape_error&) {
    is_shape_error = true;
  } catch (...) {
  }
  if (!is_shape_error) fail(name + ": not a tt::shape_error: \"" + what + "\"");
}

}  // namespace

TEST_CASE("tensor fuzz: broadcasting of random shapes, in one fused region, with a let") {
  rng r{1};
  ttest::sampler s;
  tt::variable<"a", T3> a;
  tt::variable<"b", T2> b;
  tt::variable<"c", T1> c;
  tt::variable<"k"> k{0.5};
  for (int i = 0; i < draws; ++i) {
    const shape sa = random_shape(r, 3, 8), sb = broadcastable(r, sa, 2),
                sc = broadcastable(r, sa, 1);
    const bool swap = r.chance(50);  // the smaller operand on either side
    a = draw_tensor<T3>(s, sa);
    b = draw_tensor<T2>(s, sb);
    c = draw_tensor<T1>(s, sc);
    k = s(-1, 1);
    const std::string args = "a " + str(sa) + ", b " + str(sb) + ", c " + str(sc);
    auto h = tt::let<"h">(tt::tanh(b) * k + c);  // a let: materialised once, a region boundary
    if (swap)
      check("tanh(b) * k + c = h; sin(h * a) + h / (1 + exp(a - c))", args, s,
            tt::sin(h * a) + h / (1.0 + tt::exp(a - c)), a, b, c, k);
    else
      check("sum(a * b - square(c) * k + h * h) with h = tanh(b) * k + c", args, s,
            tt::sum(a * b - tt::square(c) * k + h * h), a, b, c, k);
    // shapes that do not broadcast
    const shape bad = mismatched(r, sb);
    b = draw_tensor<T2>(s, bad);
    if (sa[1] != bad[0] && sa[1] != 1 && bad[0] != 1)
      expect_shape_error("a * b", sa, bad, [&] { (void)tt::eval(a * b + c); });
    else if (sa[2] != bad[1] && sa[2] != 1 && bad[1] != 1)
      expect_shape_error("a * b (gradient)", sa, bad,
                         [&] { (void)tt::gradient(tt::sum(a * b), a); });
  }
}

namespace {

enum class red { sum, mean, max, min, prod, log_sum_exp };
constexpr const char* red_names[] = {"sum",        "mean", "reduce_max",
                                     "reduce_min", "prod", "log_sum_exp"};

template <red Op, int Axis, class E>
auto reduce(E&& e) {
  if constexpr (Op == red::sum)
    return tt::sum<Axis>(std::forward<E>(e));
  else if constexpr (Op == red::mean)
    return tt::mean<Axis>(std::forward<E>(e));
  else if constexpr (Op == red::max)
    return tt::reduce_max<Axis>(std::forward<E>(e));
  else if constexpr (Op == red::min)
    return tt::reduce_min<Axis>(std::forward<E>(e));
  else if constexpr (Op == red::prod)
    return tt::prod<Axis>(std::forward<E>(e));
  else
    return tt::log_sum_exp<Axis>(std::forward<E>(e));
}

/// The reduction of a rank-3 tensor by plain loops, row-major (the value reference).
std::vector<double> reduce_ref(red op, const T3& x, int axis) {
  const auto& sh = x.shape();
  const std::size_t ax = axis < 0 ? std::size_t(axis + 3) : std::size_t(axis);
  const bool all = axis == tt::all_axes;
  std::vector<double> out;
  auto fold = [&](const std::vector<double>& line) {
    double a = op == red::max ? -INFINITY : op == red::min ? INFINITY : op == red::prod ? 1 : 0;
    double m = -INFINITY;
    for (double v : line) m = std::max(m, v);
    for (double v : line) {
      if (op == red::sum || op == red::mean) a += v;
      if (op == red::max) a = std::max(a, v);
      if (op == red::min) a = std::min(a, v);
      if (op == red::prod) a *= v;
      if (op == red::log_sum_exp) a += std::exp(v - m);
    }
    if (op == red::mean) a /= double(line.size());
    if (op == red::log_sum_exp) a = m + std::log(a);
    return a;
  };
  if (all) {
    out.push_back(fold(std::vector<double>(x.begin(), x.end())));
    return out;
  }
  std::array<std::size_t, 3> idx{};
  std::array<std::size_t, 2> o{};  // the other two axes, in order
  for (std::size_t i = 0, j = 0; i < 3; ++i)
    if (i != ax) o[j++] = i;
  for (std::size_t p = 0; p < sh[o[0]]; ++p)
    for (std::size_t q = 0; q < sh[o[1]]; ++q) {
      std::vector<double> line;
      for (std::size_t m = 0; m < sh[ax]; ++m) {
        idx[o[0]] = p;
        idx[o[1]] = q;
        idx[ax] = m;
        line.push_back(x(idx[0], idx[1], idx[2]));
      }
      out.push_back(fold(line));
    }
  return out;
}

/// Every element of `got` (a tensor or a number) against `want`, to 1e-12 relative.
template <class V>
void check_value(const std::string& what, const V& got, const std::vector<double>& want) {
  std::vector<double> g;
  if constexpr (tt::tensor_like<V>)
    g.assign(got.begin(), got.end());
  else
    g.push_back(double(got));
  bool ok = g.size() == want.size();
  for (std::size_t i = 0; ok && i < g.size(); ++i)
    ok = std::abs(g[i] - want[i]) <= 1e-12 * (1 + std::abs(want[i]));
  ++totals.values;
  if (!ok) {
    std::ostringstream o;
    o << std::setprecision(17) << what << ": the value is {";
    for (std::size_t i = 0; i < g.size(); ++i) o << (i ? ", " : "") << g[i];
    o << "}, loops give {";
    for (std::size_t i = 0; i < want.size(); ++i) o << (i ? ", " : "") << want[i];
    o << "}";
    fail(o.str());
  }
}

/// A reduction along Axis (or all axes) of a rank-3 tensor, and of a fused region.
template <red Op, int Axis>
void reductions(rng& r, ttest::sampler& s) {
  tt::variable<"x", T3> x;
  tt::variable<"w"> w{0.5};
  const std::string name = red_names[int(Op)];
  for (int i = 0; i < draws / 4; ++i) {
    const shape sx = random_shape(r, 3);
    x = draw_tensor<T3>(s, sx, 0.2, 1.5);  // prod: away from 0; max/min: ties are improbable
    w = s(-1, 1);
    const std::string args = std::string("axis ") +
                             (Axis == tt::all_axes ? "all" : std::to_string(Axis)) + ", x " +
                             str(sx) + "\n  " + dump(x);
    const auto y = reduce<Op, Axis>(x);
    check_value(name + "(x) with " + args, tt::eval(y), reduce_ref(Op, x.get(), Axis));
    check(name + "(x)", args, s, y, x);
    check(name + "(sin(x) * w + x)", args, s, reduce<Op, Axis>(tt::sin(x) * w + x), x, w);
  }
}

template <red... Ops>
void over_every_axis(rng& r, ttest::sampler& s) {
  ((reductions<Ops, tt::all_axes>(r, s), reductions<Ops, 0>(r, s), reductions<Ops, 1>(r, s),
    reductions<Ops, 2>(r, s), reductions<Ops, -1>(r, s)),
   ...);
}

}  // namespace

TEST_CASE("tensor fuzz: reductions over every axis, of random shapes") {
  rng r{2};
  ttest::sampler s;
  over_every_axis<red::sum, red::max>(r, s);
  reductions<red::mean, 1>(r, s);
  reductions<red::min, -1>(r, s);
  reductions<red::prod, 0>(r, s);
  reductions<red::log_sum_exp, 2>(r, s);
}

TEST_CASE("tensor fuzz: reshape, transpose, slice, concatenate, stack, broadcast_to") {
  rng r{3};
  ttest::sampler s;
  tt::variable<"x", T3> x;
  tt::variable<"y", T3> y;
  tt::variable<"v", T1> v;
  for (int i = 0; i < draws; ++i) {
    const shape sx = random_shape(r, 3);
    x = draw_tensor<T3>(s, sx);
    const std::size_t n = sx[0] * sx[1] * sx[2];
    // reshape to (d, n / d) for a random divisor d of n
    std::size_t d = 1 + r.below(n);
    while (n % d != 0) --d;
    check("cos(reshape(x, {d, n / d}))", "x " + str(sx) + ", d " + std::to_string(d), s,
          tt::cos(tt::reshape(x, {d, n / d})), x);
    expect_shape_error("reshape", sx, shape{d, n / d + 1}, [&] {
      (void)tt::eval(tt::reshape(x, {d, n / d + 1}));
    });
    // transposes, and an elementwise op with the transposed tensor
    y = draw_tensor<T3>(s, shape{sx[2], sx[1], sx[0]});
    {
      std::vector<double> t;  // x transposed: (k, j, i) -> x(i, j, k)
      for (std::size_t a2 = 0; a2 < sx[2]; ++a2)
        for (std::size_t b2 = 0; b2 < sx[1]; ++b2)
          for (std::size_t c2 = 0; c2 < sx[0]; ++c2) t.push_back(x.get()(c2, b2, a2));
      check_value("transpose(x) with " + dump(x), tt::eval(tt::transpose(x)), t);
    }
    check("transpose(x) * y", "x " + str(sx), s, tt::transpose(x) * y, x, y);
    y = draw_tensor<T3>(s, shape{sx[1], sx[2], sx[0]});
    check("exp(transpose<1, 2, 0>(x)) + y", "x " + str(sx), s,
          tt::exp(tt::transpose<1, 2, 0>(x)) + y, x, y);
    // a strided slice of the first two axes
    tt::range r0{r.below(sx[0]), 0, 1 + r.below(2)}, r1{r.below(sx[1]), 0, 1 + r.below(2)};
    r0.stop = r0.start + 1 + r.below(sx[0] - r0.start);
    r1.stop = r1.start + 1 + r.below(sx[1] - r1.start);
    std::ostringstream ranges;
    ranges << "x " << str(sx) << ", ranges {" << r0.start << ", " << r0.stop << ", " << r0.step
           << "}, {" << r1.start << ", " << r1.stop << ", " << r1.step << "}";
    check("square(slice(x, r0, r1))", ranges.str(), s, tt::square(tt::slice(x, r0, r1)), x);
    // concatenate and stack, along random axes
    shape sy = sx;
    const std::size_t axis = r.below(3);
    sy[axis] = 1 + r.below(3);
    y = draw_tensor<T3>(s, sy);
    const std::string cargs = "x " + str(sx) + ", y " + str(sy);
    if (axis == 0)
      check("concatenate<0>(x, y)", cargs, s, tt::concatenate<0>(x, y), x, y);
    else if (axis == 1)
      check("concatenate<1>(x, sin(y))", cargs, s, tt::concatenate<1>(x, tt::sin(y)), x, y);
    else
      check("concatenate<-1>(y, x * x)", cargs, s, tt::concatenate<-1>(y, x * x), x, y);
    shape bad = sx;
    const std::size_t other = (axis + 1 + r.below(2)) % 3;
    bad[other] = sx[other] + 1;
    y = draw_tensor<T3>(s, bad);
    if (axis == 0)
      expect_shape_error("concatenate<0>", sx, bad,
                         [&] { (void)tt::eval(tt::concatenate<0>(x, y)); });
    y = draw_tensor<T3>(s, sx);
    check("stack<1>(x, y) * 2", "x " + str(sx), s, tt::stack<1>(x, y) * 2.0, x, y);
    // broadcast_to: v of shape (m,) or (1,) to (p, m)
    const std::size_t m = 1 + r.below(4), p = 1 + r.below(3);
    const shape sv{r.chance(30) ? std::size_t{1} : m};
    v = draw_tensor<T1>(s, sv);
    check("broadcast_to(v, {p, m}) * broadcast_to(v, {p, m})",
          "v " + str(sv) + ", to (" + std::to_string(p) + ", " + std::to_string(m) + ")", s,
          tt::broadcast_to(v, {p, m}) * tt::broadcast_to(v, {p, m}), v);
    if (sv[0] != 1)
      expect_shape_error("broadcast_to", sv, shape{p, m + 1}, [&] {
        (void)tt::eval(tt::broadcast_to(v, {p, m + 1}));
      });
  }
}

TEST_CASE("tensor fuzz: matmul and dot of random sizes") {
  rng r{4};
  ttest::sampler s;
  tt::variable<"A", T2> A;
  tt::variable<"B", T2> B;
  tt::variable<"u", T1> u;
  tt::variable<"c", T1> c;
  for (int i = 0; i < draws; ++i) {
    const std::size_t m = 1 + r.below(5), k = 1 + r.below(5), n = 1 + r.below(5);
    A = draw_tensor<T2>(s, shape{m, k});
    B = draw_tensor<T2>(s, shape{k, n});
    c = draw_tensor<T1>(s, shape{r.chance(30) ? std::size_t{1} : n});
    const std::string args = "A (" + std::to_string(m) + ", " + std::to_string(k) + "), B (" +
                             std::to_string(k) + ", " + std::to_string(n) + ")";
    std::vector<double> ab(m * n, 0.0);
    for (std::size_t i2 = 0; i2 < m; ++i2)
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t l = 0; l < k; ++l) ab[i2 * n + j] += A.get()(i2, l) * B.get()(l, j);
    check_value("matmul(A, B) with " + args + "\n  " + dump(A) + "\n  " + dump(B),
                tt::eval(tt::matmul(A, B)), ab);
    check("tanh(matmul(A, B)) * c", args, s, tt::tanh(tt::matmul(A, B)) * c, A, B, c);
    u = draw_tensor<T1>(s, shape{k});
    check("matmul(A, u), matmul(u, B) and dot(u, u)", args, s,
          tt::sum(tt::square(tt::matmul(A, u))) + tt::sum(tt::matmul(u, B) * 0.5) + tt::dot(u, u),
          A, B, u);
    // inner dimensions that differ
    const std::size_t k2 = k + 1 + r.below(2);
    B = draw_tensor<T2>(s, shape{k2, n});
    expect_shape_error("matmul", shape{m, k}, shape{k2, n},
                       [&] { (void)tt::gradient(tt::sum(tt::matmul(A, B)), A); });
  }
}

TEST_CASE("tensor fuzz: the totals") {
  MESSAGE(totals.draws << " random draws, " << totals.elements
                       << " gradient elements checked against finite differences, " << totals.values
                       << " values against plain loops, " << totals.mismatches
                       << " shape mismatches checked; failures: " << totals.failures);
  CHECK(totals.failures == 0);
  CHECK(totals.elements > 1000);
}
