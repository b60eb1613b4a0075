// A differential fuzzer for scalar expressions: random expression trees, each checked three
// ways (reverse mode, forward mode, long-double finite differences) at many points.
//
// An expression is a type, so the trees are drawn at compile time: fuzz::generate(seed) is a
// constexpr function that draws a tree (a flat array of nodes, fuzz::spec) from a splitmix64
// stream, and fuzz::build<Seed, Node, T> makes it the typetape expression over the variables
// x, y, z of type T. The trees have the ops of detail::elementwise_ops (built with
// detail::make, as test_op_table.cpp does), where() with the four comparisons, tt::sum_of, the
// detaching floor/round/sign, constants, and up to two lets, each used at least twice (the
// second let's body may use the first). x, y and z each reach the root through differentiable
// ops (so tt::gradient w.r.t. all three is no TT-E01/E02). Tree `seed` has features[seed % 34]
// at its root, so that 16 consecutive seeds have every op (test_fuzz_a.cpp checks that they
// do). The constants are not part of the type: each tree is also checked with its constants
// redrawn at run time, other functions at no compile-time cost.
//
// Each tree is compiled in double and in float (tt::gradient, tt::jvp) and in long double
// (tt::eval, for the finite differences). At each point (random in [-2, 2]^3, and some at ties
// on purpose: x == y, x == -y, x == 0, x == a constant of the tree) the checks are
//   - forward mode, tt::jvp along each axis and along a random tangent, against reverse mode,
//     tt::gradient (dotted with the tangent), at every point: to 1e-12 relative in double and
//     1e-5 in float, plus the rounding the point's derivatives can have (below). Both not
//     finite passes; one finite and the other not passes only where a value or partial
//     derivative in the tree is not finite (reverse mode multiplies such a partial in an
//     unselected where() branch by a zero adjoint, NaN, where forward mode never forms the
//     product: TensorFlow's and PyTorch's reverse modes give the same NaN);
//   - reverse and forward mode against central differences of the long-double tree (steps h
//     and h/2, Richardson-refined): 1e-6 relative in double, 1e-4 in float, plus the rounding,
//     at smooth points only (below); reverse mode may be NaN there only as just said;
//   - jvp's value against the ops' `value` rules applied to the tree, bit for bit.
// An interpreter (fuzz::interpret) applies the ops' `value` and `vjp` rules, forward, in T and
// in long double. It tells the checks which way each branch and kink went (where, max/min,
// relu, abs, floor/round/sign, pow's base, hypot's origin, atan2's cut), whether any value or
// partial in the tree is not finite, and the derivatives in T and in long double: their
// difference is the rounding in T that the tolerances allow, with 64 eps times the sum over
// paths of |products of partials|. A point is smooth, and has the finite-difference check, if
// the value and every sample are finite, each branch and kink goes the same way in T, in long
// double and at every sample, and the two step sizes agree; other points are counted as
// skipped, and each part needs 60% of its points checked.
//
// A failure prints a reproducer: the seed, the tree as math and as typetape C++ (with the
// constants it had), the point, and each method's values. FUZZ_SHOW_ASYMMETRY=n in the
// environment shows the first n points where one of forward and reverse mode is finite and
// the other not (which pass); compiled with -DFUZZ_STRICT_NONFINITE, they fail.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <typetape/typetape.hpp>

namespace fuzz {

namespace d = tt::detail;
using ops = d::elementwise_ops;
inline constexpr int n_ops = int(ops::size);
template <class Op>
inline constexpr int op_index = int(d::index_of_v<Op, ops>);

inline constexpr auto op_is_binary = []<class... Op>(d::tlist<Op...>) {
  return std::array<bool, sizeof...(Op)>{d::is_binary_op<Op>...};
}(ops{});
inline constexpr auto op_names = []<class... Op>(d::tlist<Op...>) {
  return std::array<std::string_view, sizeof...(Op)>{Op::name...};
}(ops{});

// ---- the trees -----------------------------------------------------------------------------

enum class kind : std::uint8_t {
  var,    // x, y or z (`what`: 0, 1, 2)
  cst,    // a constant `c` (a multiple of 1/16: the same number in float, double, long double)
  op,     // an op of the table (`what`: its index), one or two kids
  cmp,    // a comparison (`what`: < <= > >=), the condition of a where
  where,  // where(kid 0 (a cmp), kid 1, kid 2)
  sum,    // tt::sum_of of three kids
  piece,  // floor, round or sign (`what`: 0, 1, 2): detaching
  let,    // a use of let `what` (its body is spec::let_body[what])
};

struct enode {
  kind k = kind::cst;
  std::uint8_t what = 0;
  std::uint8_t n = 0;  // number of kids
  std::array<std::uint8_t, 3> kid{};
  double c = 0;                // a constant: its value as drawn at compile time, k/16 ...
  std::int8_t lo = 0, hi = 0;  // ... for k in [lo, hi], k != 0 (where it is redrawn at run time)
};

inline constexpr const char* cmp_names[] = {"<", "<=", ">", ">="};
inline constexpr const char* piece_names[] = {"floor", "round", "sign"};

inline constexpr int max_nodes = 64, max_lets = 2;
/// The size of a tree, in ops (the compile time of a tree grows with it: about 4 s and 180 MB
/// on g++ 12 -O2 for each tree of 8 ops, in double, float and long double).
inline constexpr int min_ops = 4, max_ops = 10;

struct spec {
  std::array<enode, max_nodes> nodes{};
  int size = 0;
  int root = 0;
  int lets = 0;
  std::array<int, max_lets> let_body{};
  std::uint64_t seed = 0;
  int attempts = 0;  // how many draws it took to meet the rules below
  int ops = 0;       // nodes that are not leaves (the size of the tree)
};

/// splitmix64: a 64-bit state, one multiply-xorshift chain per number.
struct rng {
  std::uint64_t s;
  constexpr std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  constexpr int below(int n) { return int(next() % std::uint64_t(n)); }
  constexpr bool chance(int percent) { return below(100) < percent; }
  constexpr double uniform(double lo, double hi) {  // [lo, hi), 53 random bits
    return lo + (hi - lo) * double(next() >> 11) * 0x1p-53;
  }
};

/// What the root of a tree is: an op of the table (its index), or where, sum_of, floor,
/// round, sign. Tree `seed` has feature features[seed % size] at its root, so that a few
/// consecutive seeds have every one (the rarest first); the rest of the tree is random.
inline constexpr int feature_where = n_ops, feature_sum = n_ops + 1, feature_piece = n_ops + 2;
inline constexpr std::array<int, std::size_t(n_ops + 5)> features = [] {
  std::array<int, std::size_t(n_ops + 5)> f{};
  const int first[] = {feature_piece,         feature_piece + 1,
                       feature_piece + 2,     op_index<d::log_sigmoid_op>,
                       op_index<d::log_op>,   op_index<d::sqrt_op>,
                       op_index<d::tan_op>,   op_index<d::acosh_op>,
                       op_index<d::atanh_op>, op_index<d::pow_op>,
                       op_index<d::log1p_op>, op_index<d::expm1_op>,
                       op_index<d::erf_op>,   op_index<d::atan2_op>,
                       op_index<d::asinh_op>, op_index<d::neg_op>,
                       op_index<d::relu_op>,  op_index<d::max_op>,
                       op_index<d::min_op>,   feature_sum,
                       op_index<d::cos_op>,   op_index<d::sub_op>,
                       op_index<d::div_op>,   feature_where};
  std::size_t n = 0;
  for (int x : first) f[n++] = x;
  for (int i = 0; i < n_ops; ++i) {  // then the ops the guards use anyway
    bool listed = false;
    for (int x : first) listed = listed || x == i;
    if (!listed) f[n++] = i;
  }
  return f;
}();

/// k/16 for k in [lo, hi], k != 0: exact in float, double and long double.
constexpr double draw_sixteenths(rng& r, int lo, int hi) {
  int k = 0;
  while (k == 0) k = lo + r.below(hi - lo + 1);
  return k / 16.0;
}

/// One draw of a tree. Every kid is drawn in a statement of its own, so that the
/// tree of a seed is the same whichever order a compiler evaluates arguments in.
class drawer {
 public:
  static constexpr int max_depth = 4;
  static constexpr int guard_percent = 90;  // domain-restricted ops get a guarded operand

  constexpr explicit drawer(rng& r) : r_(r) {}

  /// The tree of feature f (see features): one with that op or node kind at its root.
  constexpr spec draw(int feature) {
    s_ = spec{};
    ok_ = true;
    const int roll = r_.below(100);
    s_.lets = roll < 30 ? 0 : roll < 65 ? 1 : 2;
    for (int l = 0; l < s_.lets; ++l) {
      lets_ = l;  // a let's body may use the lets before it (more often than the root does)
      let_percent_ = 60;
      s_.let_body[std::size_t(l)] = any(1 + r_.below(2), true);
    }
    lets_ = s_.lets;
    let_percent_ = 30;
    s_.root = featured(feature, max_depth);
    return s_;
  }
  constexpr bool ok() const { return ok_; }

 private:
  rng& r_;
  spec s_{};
  bool ok_ = true;
  int lets_ = 0, let_percent_ = 0;

  constexpr int add(enode n) {
    if (s_.size >= max_nodes) {
      ok_ = false;
      return 0;
    }
    if (n.k != kind::var && n.k != kind::cst && n.k != kind::let && n.k != kind::cmp) ++s_.ops;
    s_.nodes[std::size_t(s_.size)] = n;
    return s_.size++;
  }
  constexpr int node1(kind k, int what, int a) {
    return add({k, std::uint8_t(what), 1, {std::uint8_t(a), 0, 0}, 0});
  }
  constexpr int node2(kind k, int what, int a, int b) {
    return add({k, std::uint8_t(what), 2, {std::uint8_t(a), std::uint8_t(b), 0}, 0});
  }
  constexpr int node3(kind k, int what, int a, int b, int c) {
    return add({k, std::uint8_t(what), 3, {std::uint8_t(a), std::uint8_t(b), std::uint8_t(c)}, 0});
  }
  template <class Op>
  constexpr int op1(int a) {
    return node1(kind::op, op_index<Op>, a);
  }
  template <class Op>
  constexpr int op2(int a, int b) {
    return node2(kind::op, op_index<Op>, a, b);
  }
  /// A constant k/16 for k in [lo, hi], k != 0.
  constexpr int sixteenths(int lo, int hi) {
    return add(
        {kind::cst, 0, 0, {}, draw_sixteenths(r_, lo, hi), std::int8_t(lo), std::int8_t(hi)});
  }

  constexpr int leaf() {
    if (lets_ > 0 && r_.chance(let_percent_))
      return add({kind::let, std::uint8_t(r_.below(lets_)), 0, {}, 0});
    if (r_.chance(78)) return add({kind::var, std::uint8_t(r_.below(3)), 0, {}, 0});
    return sixteenths(-40, 40);
  }

  /// A subtree of at most `depth` levels of ops (a leaf at 0).
  constexpr int any(int depth, bool force_op = false) {
    constexpr int leaf_percent[] = {100, 55, 35, 20, 0, 0, 0, 0};
    if (!force_op && (depth <= 0 || r_.chance(leaf_percent[depth]))) return leaf();
    const int roll = r_.below(100);
    if (roll < 9) return where(depth);
    if (roll < 12) {
      const int a = any(depth - 1), b = any(depth - 1), c = any(depth - 1);
      return node3(kind::sum, 0, a, b, c);
    }
    if (roll < 15) {
      const int a = any(depth - 1);
      return node1(kind::piece, r_.below(3), a);
    }
    return op(r_.below(n_ops), depth);
  }

  constexpr int featured(int f, int depth) {
    if (f < n_ops) return op(f, depth);
    if (f == feature_where) return where(depth);
    if (f == feature_sum) {
      const int a = any(depth - 1), b = any(depth - 1), c = any(depth - 1);
      return node3(kind::sum, 0, a, b, c);
    }
    const int a = any(depth - 1);  // floor, round, sign: times a subtree, so that one is live
    const int p = node1(kind::piece, f - feature_piece, a);
    return op2<d::mul_op>(p, any(depth - 1));
  }

  constexpr int where(int depth) {
    const int lhs = any(depth - 2);
    int rhs = r_.chance(50) ? sixteenths(-32, 32) : any(depth - 2);
    const enode &l = s_.nodes[std::size_t(lhs)], &r = s_.nodes[std::size_t(rhs)];
    if (l.n == 0 && r.n == 0 && l.k == r.k && l.what == r.what && l.k != kind::cst)
      rhs = sixteenths(-32, 32);  // not x < x (a where that never switches)
    const int cmp = node2(kind::cmp, r_.below(4), lhs, rhs);
    const int a = any(depth - 1);
    const int b = any(depth - 1);
    return node3(kind::where, 0, cmp, a, b);
  }

  /// A subtree whose value is positive: one of six ways of making any value positive.
  constexpr int positive(int depth) {
    const int k = any(depth);
    switch (r_.below(6)) {
      case 0:
        return op1<d::exp_op>(k);
      case 1:
        return op1<d::softplus_op>(k);
      case 2: {
        const int sq = op1<d::square_op>(k);
        return op2<d::add_op>(sq, sixteenths(2, 24));
      }
      case 3:
        return op2<d::hypot_op>(k, sixteenths(-24, 24));
      case 4:
        return op1<d::sigmoid_op>(k);
      default: {
        const int ab = op1<d::abs_op>(k);
        return op2<d::add_op>(ab, sixteenths(2, 24));
      }
    }
  }

  /// Op `i` over fresh subtrees; an op defined on part of the line (log, sqrt, acosh,
  /// atanh, tan, log1p, pow's base, a divisor) mostly gets an operand mapped into it.
  constexpr int op(int i, int depth) {
    const bool guard = r_.chance(guard_percent);
    const int sub = depth - 1;
    if (i == op_index<d::log_op> || i == op_index<d::sqrt_op> || i == op_index<d::log1p_op>)
      return node1(kind::op, i, guard ? positive(sub - 1) : any(sub));
    if (i == op_index<d::acosh_op>) {
      if (!guard) return node1(kind::op, i, any(sub));
      const int p = positive(sub - 2);
      return node1(kind::op, i, op2<d::add_op>(p, sixteenths(17, 32)));
    }
    if (i == op_index<d::atanh_op>) {
      if (!guard) return node1(kind::op, i, any(sub));
      const int t = op1<d::tanh_op>(any(sub - 2));
      return node1(kind::op, i, op2<d::mul_op>(t, sixteenths(-15, 15)));
    }
    if (i == op_index<d::tan_op>) {
      if (!guard) return node1(kind::op, i, any(sub));
      const int a = any(sub - 1);
      return node1(kind::op, i, r_.chance(50) ? op1<d::tanh_op>(a) : op1<d::sin_op>(a));
    }
    if (i == op_index<d::div_op>) {
      const int a = any(sub);
      const int b = guard ? positive(sub - 1) : any(sub);
      return node2(kind::op, i, a, b);
    }
    if (i == op_index<d::pow_op>) {
      const int a = guard ? positive(sub - 1) : any(sub);
      const int b = r_.chance(40) ? sixteenths(-40, 40) : any(sub);
      return node2(kind::op, i, a, b);
    }
    if (op_is_binary[std::size_t(i)]) {
      const int a = any(sub);
      const int b = any(sub);
      return node2(kind::op, i, a, b);
    }
    return node1(kind::op, i, any(sub));
  }
};

/// Which of x, y, z (bits 0, 1, 2) reach node i through differentiable ops.
constexpr unsigned live_mask(const spec& s, int i) {
  const enode& n = s.nodes[std::size_t(i)];
  switch (n.k) {
    case kind::var:
      return 1u << n.what;
    case kind::cst:
    case kind::piece:
    case kind::cmp:
      return 0;
    case kind::let:
      return live_mask(s, s.let_body[n.what]);
    case kind::where:
      return live_mask(s, n.kid[1]) | live_mask(s, n.kid[2]);
    default: {
      unsigned m = 0;
      for (int k = 0; k < n.n; ++k) m |= live_mask(s, n.kid[std::size_t(k)]);
      return m;
    }
  }
}

/// How often each let is used in the tree (a let's body counted once, however often used).
constexpr void count_uses(const spec& s, int i, std::array<int, max_lets>& uses) {
  const enode& n = s.nodes[std::size_t(i)];
  if (n.k == kind::let) {
    if (uses[n.what]++ == 0) count_uses(s, s.let_body[n.what], uses);
    return;
  }
  for (int k = 0; k < n.n; ++k) count_uses(s, n.kid[std::size_t(k)], uses);
}

/// The variable and constant leaves of the tree outside the lets' bodies.
constexpr void outer_leaves(const spec& s, int i, std::array<int, max_nodes>& out, int& n) {
  const enode& e = s.nodes[std::size_t(i)];
  if (e.k == kind::var || e.k == kind::cst) out[std::size_t(n++)] = i;
  if (e.k == kind::let) return;
  for (int k = 0; k < e.n; ++k) outer_leaves(s, e.kid[std::size_t(k)], out, n);
}

/// Makes every let used at least twice: a let used less is put in place of a random leaf
/// outside the lets.
constexpr void reuse_lets(spec& s, rng& r) {
  for (int l = 0; l < s.lets; ++l) {
    for (int tries = 0; tries < 3; ++tries) {
      std::array<int, max_lets> uses{};
      count_uses(s, s.root, uses);
      if (uses[std::size_t(l)] >= 2) break;
      std::array<int, max_nodes> leaves{};
      int n = 0;
      outer_leaves(s, s.root, leaves, n);
      if (n == 0) break;
      s.nodes[std::size_t(leaves[std::size_t(r.below(n))])] = {
          kind::let, std::uint8_t(l), 0, {}, 0};
    }
  }
}

/// The tree of a seed: drawn again (the stream goes on) until x, y and z all reach the
/// root through differentiable ops, every let is used at least twice, and the size is
/// between min_ops and max_ops ops.
constexpr spec generate(std::uint64_t seed) {
  rng r{seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL};
  for (int attempt = 1; attempt <= 1000; ++attempt) {
    drawer g(r);
    spec s = g.draw(features[seed % features.size()]);
    if (!g.ok() || s.ops < min_ops || s.ops > max_ops) continue;
    reuse_lets(s, r);
    if (live_mask(s, s.root) != 7u) continue;
    std::array<int, max_lets> uses{};
    count_uses(s, s.root, uses);
    bool reused = true;
    for (int l = 0; l < s.lets; ++l) reused = reused && uses[std::size_t(l)] >= 2;
    if (!reused) continue;
    s.seed = seed;
    s.attempts = attempt;
    return s;
  }
  throw "fuzz::generate: no tree met the rules";  // a compile error, in a constant expression
}

template <std::uint64_t Seed>
struct tree {
  static constexpr spec value = generate(Seed);
};

// ---- the tree as typetape expressions ----------------------------------------------------

/// The values of a tree's constants, by node index: as drawn with the tree, or redrawn at run
/// time from the same ranges (the tree's type does not depend on them, so every redraw is
/// another function at no compile-time cost).
using constants = std::array<double, max_nodes>;

inline constants drawn_constants(const spec& s) {
  constants c{};
  for (int i = 0; i < s.size; ++i) c[std::size_t(i)] = s.nodes[std::size_t(i)].c;
  return c;
}
inline constants redrawn_constants(const spec& s, rng& r) {
  constants c{};
  for (int i = 0; i < s.size; ++i) {
    const enode& n = s.nodes[std::size_t(i)];
    if (n.k == kind::cst) c[std::size_t(i)] = draw_sixteenths(r, n.lo, n.hi);
  }
  return c;
}

template <class T>
struct vars {
  tt::variable<"x", T> x;
  tt::variable<"y", T> y;
  tt::variable<"z", T> z;
  const constants* c;
  vars(const std::array<T, 3>& p, const constants& k) : x{p[0]}, y{p[1]}, z{p[2]}, c(&k) {}
};

constexpr tt::fixed_string<3> let_name(int l) {
  const char s[3] = {'l', char('0' + l), '\0'};
  return tt::fixed_string<3>(s);
}

template <int What, class A, class B>
auto compare(A&& a, B&& b) {
  if constexpr (What == 0)
    return std::forward<A>(a) < std::forward<B>(b);
  else if constexpr (What == 1)
    return std::forward<A>(a) <= std::forward<B>(b);
  else if constexpr (What == 2)
    return std::forward<A>(a) > std::forward<B>(b);
  else
    return std::forward<A>(a) >= std::forward<B>(b);
}

/// Node I of the tree of Seed over v's variables and constants (a variable is returned by
/// reference, so that the tree refers to it).
template <std::uint64_t Seed, int I, class T>
decltype(auto) build(const vars<T>& v) {
  constexpr const spec& s = tree<Seed>::value;
  constexpr enode n = s.nodes[std::size_t(I)];
  constexpr int k0 = n.kid[0], k1 = n.kid[1], k2 = n.kid[2];
  if constexpr (n.k == kind::var) {
    if constexpr (n.what == 0)
      return (v.x);
    else if constexpr (n.what == 1)
      return (v.y);
    else
      return (v.z);
  } else if constexpr (n.k == kind::cst) {
    return tt::constant<T>{T((*v.c)[std::size_t(I)])};
  } else if constexpr (n.k == kind::op) {
    using Op = d::at_t<n.what, ops>;
    if constexpr (d::is_binary_op<Op>)
      return d::make<Op>(build<Seed, k0, T>(v), build<Seed, k1, T>(v));
    else
      return d::make<Op>(build<Seed, k0, T>(v));
  } else if constexpr (n.k == kind::where) {
    constexpr enode c = s.nodes[std::size_t(k0)];
    return tt::where(compare<c.what>(build<Seed, c.kid[0], T>(v), build<Seed, c.kid[1], T>(v)),
                     build<Seed, k1, T>(v), build<Seed, k2, T>(v));
  } else if constexpr (n.k == kind::sum) {
    return tt::sum_of(build<Seed, k0, T>(v), build<Seed, k1, T>(v), build<Seed, k2, T>(v));
  } else if constexpr (n.k == kind::piece) {
    if constexpr (n.what == 0)
      return tt::floor(build<Seed, k0, T>(v));
    else if constexpr (n.what == 1)
      return tt::round(build<Seed, k0, T>(v));
    else
      return tt::sign(build<Seed, k0, T>(v));
  } else {
    static_assert(n.k == kind::let);
    return tt::let<let_name(n.what)>(build<Seed, s.let_body[n.what], T>(v));
  }
}

/// What typetape computes at a point: tt::gradient, and tt::jvp along each axis and along a
/// tangent (the value is jvp's).
template <class T>
struct probe {
  std::array<T, 3> reverse{};
  std::array<T, 3> forward{};        // jvp along each axis
  std::array<T, 3> forward_value{};  // jvp's value along each axis
  T value{};                         // jvp's value along the tangent
  T along{};                         // jvp along the tangent
};
template <class T>
using probe_fn = void (*)(const std::array<T, 3>& point, const std::array<T, 3>& tangent,
                          const constants& c, probe<T>& out);
using eval_fn = long double (*)(const std::array<long double, 3>& point, const constants& c);

template <std::uint64_t Seed>
struct instance {
  template <class T>
  static auto expression(const vars<T>& v) {
    return build<Seed, tree<Seed>::value.root, T>(v);
  }
  template <class T>
  static void run(const std::array<T, 3>& point, const std::array<T, 3>& tangent,
                  const constants& c, probe<T>& out) {
    const vars<T> v(point, c);
    const auto f = expression(v);
    const auto sources = std::tie(v.x, v.y, v.z);
    std::tie(out.reverse[0], out.reverse[1], out.reverse[2]) = tt::gradient(f, sources);
    for (std::size_t i = 0; i < 4; ++i) {  // each axis, then the tangent (one call site)
      const std::array<T, 3> t =
          i < 3 ? std::array<T, 3>{T(i == 0), T(i == 1), T(i == 2)} : tangent;
      const auto [value, derivative] = tt::jvp(f, sources, std::tuple(t[0], t[1], t[2]));
      (i < 3 ? out.forward_value[i] : out.value) = value;
      (i < 3 ? out.forward[i] : out.along) = derivative;
    }
  }
  /// tt::eval of the tree in long double (the finite differences).
  static long double eval(const std::array<long double, 3>& point, const constants& c) {
    const vars<long double> v(point, c);
    return tt::eval(expression(v));
  }
};

struct entry {
  const spec* s;
  probe_fn<double> run_double;
  probe_fn<float> run_float;
  eval_fn eval_long_double;
};

/// The entries of the trees of seeds First, First + Step, ..., First + (N - 1) Step.
template <std::uint64_t First, std::uint64_t Step, std::size_t... I>
std::array<entry, sizeof...(I)> entries(std::index_sequence<I...>) {
  return {entry{&tree<First + Step * I>::value, &instance<First + Step * I>::template run<double>,
                &instance<First + Step * I>::template run<float>,
                &instance<First + Step * I>::eval}...};
}

// ---- an interpreter of the trees, from the ops' own rules -----------------------------------

/// Op `i`'s value rule, and its partial derivative w.r.t. operand `I` (its VJP at g = 1).
template <class T>
T op_value(int i, T a, T b) {
  T r{};
  int j = 0;
  d::for_each_elementwise_op([&]<class Op>(Op) {
    if (j++ != i) return;
    if constexpr (d::is_binary_op<Op>)
      r = T(Op::value(a, b));
    else
      r = T(Op::value(a));
  });
  return r;
}
template <std::size_t I, class T>
T op_partial(int i, T a, T b, T v) {
  T r{};
  int j = 0;
  d::for_each_elementwise_op([&]<class Op>(Op) {
    if (j++ != i) return;
    if constexpr (d::is_binary_op<Op>)
      r = T(Op::template vjp<I>(a, b, v, T(1)));
    else if constexpr (I == 0)
      r = T(Op::template vjp<0>(a, v, T(1)));
  });
  return r;
}

/// What the interpreter finds at a point.
template <class T>
struct trace {
  T value{};
  std::array<T, 3> grad{};   // the ops' rules run forward (tangents, as tt::jvp does)
  std::array<T, 3> scale{};  // the same with |partials|: the sum over paths of |products|,
                             // which the rounding error of a gradient is proportional to
  bool nonfinite = false;    // some value, partial or derivative in the tree is not finite
  int nonfinite_node = -1;   // the first such node
  long double margin = std::numeric_limits<long double>::infinity();  // to the nearest kink
  int margin_node = -1;
  std::array<long double, max_nodes> side{};  // which way each kink or branch went (NaN: none)
};

template <class T>
class interpreter {
 public:
  interpreter(const spec& s, const constants& c, const std::array<T, 3>& p) : s_(s), c_(c), p_(p) {
    t_.side.fill(std::numeric_limits<long double>::quiet_NaN());
  }
  trace<T> run() {
    const slot r = visit(s_.root);
    t_.value = r.v;
    t_.grad = r.d;
    t_.scale = r.a;
    return t_;
  }

 private:
  struct slot {
    T v{};
    std::array<T, 3> d{};  // derivative w.r.t. x, y, z
    std::array<T, 3> a{};  // sum over paths of |products of partials|
  };
  const spec& s_;
  const constants& c_;
  std::array<T, 3> p_;
  trace<T> t_{};
  std::array<slot, max_lets> let_{};
  std::array<bool, max_lets> let_done_{};

  void note(int i, T x) {
    if (std::isfinite(x) || t_.nonfinite) return;
    t_.nonfinite = true;
    t_.nonfinite_node = i;
  }
  /// A kink or switch at node i: which side the point is on, and how far (relative).
  void kink(int i, long double side, long double distance, long double size) {
    t_.side[std::size_t(i)] = side;
    const long double m = std::abs(distance) / (1 + std::abs(size));
    if (!(m >= t_.margin)) {  // NaN counts as on the kink
      t_.margin = m;
      t_.margin_node = i;
    }
  }
  /// r += p * k: a forward-mode share, skipped at a zero tangent (as tt::jvp does).
  static void share(slot& r, T p, const slot& k) {
    for (std::size_t j = 0; j < 3; ++j) {
      if (k.d[j] != T(0)) r.d[j] += p * k.d[j];
      if (k.a[j] != T(0)) r.a[j] += std::abs(p) * k.a[j];
    }
  }

  slot visit(int i) {
    const enode& n = s_.nodes[std::size_t(i)];
    slot r;
    switch (n.k) {
      case kind::var:
        r.v = p_[n.what];
        r.d[n.what] = r.a[n.what] = T(1);
        return r;
      case kind::cst:
        r.v = T(c_[std::size_t(i)]);
        return r;
      case kind::let:
        if (!let_done_[n.what]) {
          let_[n.what] = visit(s_.let_body[n.what]);
          let_done_[n.what] = true;
        }
        return let_[n.what];
      case kind::sum: {
        const slot a = visit(n.kid[0]), b = visit(n.kid[1]), c = visit(n.kid[2]);
        r.v = (a.v + b.v) + c.v;
        note(i, r.v);
        share(r, T(1), a);
        share(r, T(1), b);
        share(r, T(1), c);
        for (const T dj : r.d) note(i, dj);
        return r;
      }
      case kind::piece: {
        const slot a = visit(n.kid[0]);
        using std::floor;
        using std::nearbyint;
        if (n.what == 0) {
          r.v = floor(a.v);
          kink(i, r.v, std::min(a.v - r.v, r.v + 1 - a.v), a.v);
        } else if (n.what == 1) {
          r.v = nearbyint(a.v);
          kink(i, r.v, (long double)(a.v - floor(a.v)) - 0.5L, a.v);
        } else {
          r.v = d::sign(a.v);
          kink(i, r.v, a.v, 0);
        }
        note(i, r.v);
        return r;
      }
      case kind::where: {
        const enode& c = s_.nodes[n.kid[0]];
        const slot l = visit(c.kid[0]), rr = visit(c.kid[1]);
        const bool cond = c.what == 0   ? l.v < rr.v
                          : c.what == 1 ? l.v <= rr.v
                          : c.what == 2 ? l.v > rr.v
                                        : l.v >= rr.v;
        kink(i, cond, (long double)l.v - rr.v, std::abs(l.v) + std::abs(rr.v));
        const slot a = visit(n.kid[1]), b = visit(n.kid[2]);
        r.v = cond ? a.v : b.v;
        share(r, T(1), cond ? a : b);
        return r;
      }
      case kind::cmp:
        return r;  // read by its where
      case kind::op:
        break;
    }
    const bool binary = op_is_binary[n.what];
    const slot a = visit(n.kid[0]);
    const slot b = binary ? visit(n.kid[1]) : slot{};
    r.v = op_value(n.what, a.v, b.v);
    const T pa = op_partial<0>(n.what, a.v, b.v, r.v);
    const T pb = binary ? op_partial<1>(n.what, a.v, b.v, r.v) : T(0);
    note(i, r.v);
    note(i, pa);
    note(i, pb);
    share(r, pa, a);
    if (binary) share(r, pb, b);
    for (const T dj : r.d) note(i, dj);  // a derivative that overflows T counts too
    const int w = n.what;
    if (w == op_index<d::relu_op> || w == op_index<d::abs_op>)
      kink(i, d::sign(a.v), a.v, 0);
    else if (w == op_index<d::max_op>)
      kink(i, d::max_takes_first(a.v, b.v), (long double)a.v - b.v, std::abs(a.v) + std::abs(b.v));
    else if (w == op_index<d::min_op>)
      kink(i, d::min_takes_first(a.v, b.v), (long double)a.v - b.v, std::abs(a.v) + std::abs(b.v));
    else if (w == op_index<d::hypot_op>)
      kink(i, r.v > T(0), std::abs(a.v) + std::abs(b.v), 0);
    else if (w == op_index<d::pow_op>)
      kink(i, a.v > T(0), a.v, 0);
    else if (w == op_index<d::atan2_op>)  // atan2(y, x) jumps by 2 pi across y = 0 where x < 0
      kink(i, std::signbit(a.v) ? -1 : 1,
           b.v < T(0) ? std::abs(a.v) : std::abs(a.v) + std::abs(b.v), std::abs(b.v));
    return r;
  }
};

template <class T>
trace<T> interpret(const spec& s, const constants& c, const std::array<T, 3>& p) {
  return interpreter<T>(s, c, p).run();
}

// ---- the tree as text -------------------------------------------------------------------

inline std::string_view short_name(int op) {
  const std::string_view n = op_names[std::size_t(op)];
  return n.substr(0, n.find(' '));
}
inline std::string number(long double c, int digits = 17) {
  std::ostringstream o;
  o << std::setprecision(digits) << c;
  return o.str();
}

/// Node i as math ("multiply(exp(x), where(x < y, log(l0), z))") or as typetape C++.
inline std::string text(const spec& s, const constants& c, int i, bool cpp) {
  const enode& n = s.nodes[std::size_t(i)];
  auto kid = [&](int k) { return text(s, c, n.kid[std::size_t(k)], cpp); };
  static constexpr const char* cmp[] = {" < ", " <= ", " > ", " >= "};
  const std::string tt = cpp ? "tt::" : "";
  switch (n.k) {
    case kind::var:
      return std::string(1, "xyz"[n.what]);
    case kind::cst:
      return cpp ? "c(" + number(c[std::size_t(i)]) + ")" : number(c[std::size_t(i)]);
    case kind::let:
      return "l" + std::to_string(n.what);
    case kind::cmp:
      return kid(0) + cmp[n.what] + kid(1);
    case kind::where:
      return tt + "where(" + kid(0) + ", " + kid(1) + ", " + kid(2) + ")";
    case kind::sum:
      return tt + "sum_of(" + kid(0) + ", " + kid(1) + ", " + kid(2) + ")";
    case kind::piece:
      return tt + piece_names[n.what] + "(" + kid(0) + ")";
    case kind::op:
      break;
  }
  const std::string_view name = short_name(n.what);
  if (cpp) {
    static constexpr std::pair<std::string_view, const char*> infix[] = {
        {"add", " + "}, {"subtract", " - "}, {"multiply", " * "}, {"divide", " / "}};
    for (const auto& [word, sym] : infix)
      if (name == word) return "(" + kid(0) + sym + kid(1) + ")";
    if (name == "negate") return "(-" + kid(0) + ")";
  }
  std::string out = tt + std::string(name) + "(" + kid(0);
  if (op_is_binary[n.what]) out += ", " + kid(1);
  return out + ")";
}

/// The whole tree, its lets first: as math, and as a C++ reproducer.
inline std::string describe(const spec& s, const constants& c, std::string_view type) {
  std::string math, cpp;
  for (int l = 0; l < s.lets; ++l) {
    const std::string name = "l" + std::to_string(l);
    math += name + " = " + text(s, c, s.let_body[std::size_t(l)], false) + "; ";
    cpp += "  auto " + name + " = tt::let<\"" + name + "\">(" +
           text(s, c, s.let_body[std::size_t(l)], true) + ");\n";
  }
  math += "f = " + text(s, c, s.root, false);
  const std::string t(type);
  return "tree of seed " + std::to_string(s.seed) + " (" + std::to_string(s.ops) +
         " ops): " + math + "\nreproducer:\n  tt::variable<\"x\", " + t + "> x{...};  " +
         "tt::variable<\"y\", " + t + "> y{...};  tt::variable<\"z\", " + t + "> z{...};\n" +
         "  auto c = [](double v) { return tt::constant<" + t + ">{" + t + "(v)}; };\n" + cpp +
         "  auto f = " + text(s, c, s.root, true) +
         ";\n  auto [gx, gy, gz] = tt::gradient(f, std::tie(x, y, z));\n";
}

// ---- the checks ---------------------------------------------------------------------------

/// Central differences of a long-double function of one variable at x, with steps h and
/// h/2 (h = cbrt(eps) max(|x|, 1e-3)), and their Richardson combination (error O(h^4)).
struct fd_estimate {
  long double value = 0, coarse = 0, fine = 0, noise = 0;
  bool finite = false;
};
template <class F>
fd_estimate finite_difference(long double x, F&& f) {
  constexpr long double eps = std::numeric_limits<long double>::epsilon();
  const long double h = std::cbrt(eps) * std::max(std::abs(x), 1e-3L);
  long double fmax = 0;
  bool finite = true;
  auto central = [&](long double step) {
    const long double xp = x + step, xm = x - step;
    const long double fp = f(xp), fm = f(xm);
    finite = finite && std::isfinite(fp) && std::isfinite(fm);
    fmax = std::max({fmax, std::abs(fp), std::abs(fm)});
    return (fp - fm) / (xp - xm);
  };
  fd_estimate e;
  e.coarse = central(h);
  e.fine = central(h / 2);
  e.value = (4 * e.fine - e.coarse) / 3;
  e.noise = 8 * eps * fmax / h;
  e.finite = finite && std::isfinite(e.value);
  return e;
}

/// Why a point had no finite-difference check.
/// (A point at a kink, x = y in max(x, y) say, is one whose samples on either side are on
/// different sides of it: straddle. A tie that holds everywhere, where(x <= x, ...), is not.)
enum class skip : int { none, nonfinite_value, nonfinite_fd, branch, straddle, rough, count };
inline constexpr const char* skip_names[] = {
    "",
    "value not finite",
    "a finite-difference sample not finite",
    "a branch or kink goes another way in T than in long double",
    "at a branch or kink, or one between the finite-difference samples",
    "not smooth within the steps (the two step sizes disagree)"};

struct stats {
  long points = 0;
  long checked = 0;  // points with the finite-difference check
  std::array<long, int(skip::count)> skipped{};
  long nonfinite_asymmetry = 0;  // forward finite and reverse not, or the reverse, at a point
                                 // where some value or partial derivative is not finite
  long nonfinite_smooth = 0;     // points with the finite-difference check where forward or
                                 // reverse mode is not finite (some value or partial in T is not)
  long failures = 0;
  long printed = 0;
  long shown = 0;

  std::string summary() const {
    std::ostringstream o;
    o << points << " (expression, point) pairs; " << checked
      << " checked against finite differences (" << std::setprecision(3)
      << (points ? 100.0 * double(checked) / double(points) : 0.0)
      << "%), all against forward mode; skipped:";
    for (int i = 1; i < int(skip::count); ++i)
      o << " " << skipped[std::size_t(i)] << " " << skip_names[i] << ";";
    o << " forward and reverse finite on one side only (a non-finite value or partial in the "
         "tree): "
      << nonfinite_asymmetry
      << "; with the finite-difference check but forward or reverse not finite (the same): "
      << nonfinite_smooth << "; failures: " << failures;
    return o.str();
  }
};

/// -DFUZZ_STRICT_NONFINITE: forward and reverse mode must agree on finiteness everywhere, and
/// be finite wherever the finite-difference check runs (no allowance for a non-finite value
/// or partial in the tree, such as a NaN in an unselected where() branch).
#ifdef FUZZ_STRICT_NONFINITE
inline constexpr bool strict_nonfinite = true;
#else
inline constexpr bool strict_nonfinite = false;
#endif

template <class T>
struct tol {
  static constexpr bool is_double = std::is_same_v<T, double>;
  static constexpr long double eps = std::numeric_limits<T>::epsilon();
  static constexpr long double fd = is_double ? 1e-6L : 1e-4L;   // against finite differences
  static constexpr long double fr = is_double ? 1e-12L : 1e-5L;  // forward against reverse
  // rounding: paths * (eps * (the sum over paths) + tiny), where tiny, the least normal
  // number, is how far off a result that underflows can be
  static constexpr long double paths = 64;
  static constexpr long double tiny = std::numeric_limits<T>::min();
  static constexpr int digits = is_double ? 17 : 9;
  static constexpr const char* name = is_double ? "double" : "float";
};

/// The checks at the points of one tree (with one set of constants) in T.
template <class T>
class checker {
 public:
  checker(const entry& e, const constants& c, int variant, stats& st)
      : e_(e), c_(c), variant_(variant), st_(st) {}

  void point(const std::array<T, 3>& p, const std::array<T, 3>& tangent) {
    p_ = p;
    tangent_ = tangent;
    if constexpr (tol<T>::is_double)
      e_.run_double(p, tangent, c_, pr_);
    else
      e_.run_float(p, tangent, c_, pr_);
    it_ = interpret<T>(*e_.s, c_, p);
    il_ = interpret<long double>(*e_.s, c_, widen(p));
    fd_done_ = false;
    ++st_.points;

    // the value: jvp's (along each axis and the tangent) and the ops' rules', bit for bit
    if (!same(pr_.value, it_.value)) fail("tt::jvp's value against the ops' value rules", -1);
    for (int i = 0; i < 3; ++i)
      if (!same(pr_.forward_value[std::size_t(i)], pr_.value))
        fail("tt::jvp's value along an axis against along the tangent", i);

    // forward against reverse, at every point: along each axis, and along the tangent
    bool asymmetric = false;
    for (std::size_t k = 0; k < 3; ++k)
      forward_reverse(int(k), pr_.forward[k], pr_.reverse[k],
                      tol<T>::fr * max_abs(pr_.forward[k], pr_.reverse[k]) + precision(k),
                      il_.scale[k], asymmetric);
    long double dot = 0, dot_abs = 0, scale = 0, prec = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      const long double t = std::abs((long double)tangent[k]);
      dot += (long double)pr_.reverse[k] * tangent[k];
      dot_abs += std::abs((long double)pr_.reverse[k]) * t;
      scale += il_.scale[k] * t;
      prec += precision(k) * t;
    }
    forward_reverse(3, pr_.along, dot,
                    tol<T>::fr * std::max(dot_abs, std::abs((long double)pr_.along)) + prec, scale,
                    asymmetric);
    if (asymmetric) ++st_.nonfinite_asymmetry;

    // against finite differences, where the point is smooth
    const skip why = smooth();
    if (why != skip::none) {
      ++st_.skipped[std::size_t(why)];
      return;
    }
    ++st_.checked;
    // A derivative that is not finite passes only where some value or partial in the tree
    // is not finite in T (where() above; or a value that overflows in float and not in long
    // double); a finite one must match.
    bool nonfinite = false;
    for (std::size_t k = 0; k < 3; ++k) {
      const std::pair<const char*, T> modes[] = {
          {"reverse (tt::gradient) against finite differences", pr_.reverse[k]},
          {"forward (tt::jvp) against finite differences", pr_.forward[k]}};
      for (const auto& [what, g] : modes) {
        const long double allowed = fd_allowance(k, g);
        if (!std::isfinite(g) && it_.nonfinite && !strict_nonfinite)
          nonfinite = true;
        else if (!(std::abs(g - fd_[k].value) <= allowed))
          fail(what, int(k), allowed);
      }
    }
    if (nonfinite) ++st_.nonfinite_smooth;
  }

 private:
  const entry& e_;
  const constants& c_;
  int variant_;
  stats& st_;
  std::array<T, 3> p_{}, tangent_{};
  probe<T> pr_{};
  trace<T> it_{};
  trace<long double> il_{};
  std::array<fd_estimate, 3> fd_{};
  bool fd_done_ = false;

  static std::array<long double, 3> widen(const std::array<T, 3>& p) { return {p[0], p[1], p[2]}; }
  static bool same(T a, T b) { return a == b || (a != a && b != b); }
  static bool same_side(long double a, long double b) { return a == b || (a != a && b != b); }
  static long double max_abs(long double a, long double b) {
    return std::max(std::abs(a), std::abs(b));
  }

  /// The rounding in T of d/dx_k as the ops' rules show it: 8 times the difference between
  /// running them forward in T and in long double (which also catches the range of T: a
  /// partial that underflows in one order of multiplication and not in another).
  long double precision(std::size_t k) const {
    const long double d = std::abs((long double)it_.grad[k] - il_.grad[k]);
    return std::isfinite(d) ? 8 * d : 0;
  }
  /// What a derivative g may differ from the finite differences by: tol::fd relative, the
  /// finite differences' rounding, and the rounding in T of the derivative itself: precision(k)
  /// plus paths * eps * (the sum over paths of |products of partials|).
  long double fd_allowance(std::size_t k, long double g) const {
    return tol<T>::fd * max_abs(g, fd_[k].value) + 4 * fd_[k].noise + precision(k) +
           tol<T>::paths * (tol<T>::eps * il_.scale[k] + tol<T>::tiny);
  }

  /// Forward against reverse: both finite and within rel + paths * eps * scale, or both not
  /// finite. One finite and the other not is allowed only where a value or partial derivative
  /// in the tree is not finite (reverse mode multiplies a NaN partial in an unselected where
  /// branch by a zero adjoint, forward mode never computes it; see the report).
  void forward_reverse(int axis, long double fwd, long double rev, long double rel,
                       long double scale, bool& asymmetric) {
    const bool ff = std::isfinite(fwd), rf = std::isfinite(rev);
    if (!ff && !rf) return;  // NaN against inf is not told apart
    if (ff != rf) {
      if (it_.nonfinite && !strict_nonfinite) {
        asymmetric = true;
        show_asymmetry("forward and reverse: one finite, the other not", axis);
      } else {
        fail("forward (tt::jvp) against reverse (tt::gradient): one not finite", axis);
      }
      return;
    }
    const long double allowed = rel + tol<T>::paths * (tol<T>::eps * scale + tol<T>::tiny);
    if (!(std::abs(fwd - rev) <= allowed) && !(it_.nonfinite && !std::isfinite(scale)))
      fail("forward (tt::jvp) against reverse (tt::gradient)", axis, allowed);
  }

  skip smooth() {
    if (!std::isfinite(pr_.value) || !std::isfinite(il_.value)) return skip::nonfinite_value;
    for (std::size_t j = 0; j < std::size_t(max_nodes); ++j)
      if (!same_side(it_.side[j], il_.side[j])) return skip::branch;
    const std::array<long double, 3> pl = widen(p_);
    bool straddles = false;  // a sample on the other side of a branch or kink than the point
    for (std::size_t k = 0; k < 3; ++k)
      fd_[k] = finite_difference(pl[k], [&](long double xk) {
        std::array<long double, 3> q = pl;
        q[k] = xk;
        const trace<long double> at = interpret<long double>(*e_.s, c_, q);
        for (std::size_t j = 0; j < std::size_t(max_nodes); ++j)
          if (!same_side(at.side[j], il_.side[j])) straddles = true;
        return e_.eval_long_double(q, c_);
      });
    fd_done_ = true;
    for (std::size_t k = 0; k < 3; ++k)
      if (!fd_[k].finite) return skip::nonfinite_fd;
    if (straddles) return skip::straddle;
    for (std::size_t k = 0; k < 3; ++k)  // the two step sizes agree to a tenth of the allowance
      if (!(std::abs(fd_[k].coarse - fd_[k].fine) <= 0.1L * fd_allowance(k, fd_[k].value)))
        return skip::rough;
    return skip::none;
  }

  std::string report(const char* what, int axis, long double allowed) const {
    constexpr int digits = tol<T>::digits;
    std::ostringstream o;
    o << what;
    if (axis >= 0 && axis < 3)
      o << ", d/d"
        << "xyz"[axis];
    if (axis == 3) o << ", along the tangent";
    o << ", in " << tol<T>::name << ", constants " << (variant_ == 0 ? "as drawn" : "redrawn")
      << "\n"
      << describe(*e_.s, c_, tol<T>::name);
    o << "point: x = " << number(p_[0], digits) << ", y = " << number(p_[1], digits)
      << ", z = " << number(p_[2], digits) << "; tangent (" << number(tangent_[0], digits) << ", "
      << number(tangent_[1], digits) << ", " << number(tangent_[2], digits) << ")\n";
    o << "value: tt::jvp's " << number(pr_.value, digits) << "; the ops' rules in " << tol<T>::name
      << " " << number(it_.value, digits) << ", in long double " << number(il_.value, 21) << "\n";
    for (std::size_t k = 0; k < 3; ++k) {
      o << "d/d"
        << "xyz"[k] << ": reverse " << number(pr_.reverse[k], digits) << ", forward "
        << number(pr_.forward[k], digits);
      if (fd_done_)
        o << ", finite differences " << number(fd_[k].value, 21)
          << " (steps h, h/2: " << number(fd_[k].coarse, 12) << ", " << number(fd_[k].fine, 12)
          << ")";
      o << "; the ops' rules forward in long double " << number(il_.grad[k], 21) << ", in "
        << tol<T>::name << " " << number(it_.grad[k], digits) << "; sum over paths "
        << number(il_.scale[k], 6) << "\n";
    }
    o << "along the tangent: tt::jvp " << number(pr_.along, digits) << "\n";
    if (allowed != 0) o << "allowed difference: " << number(allowed, 6) << "\n";
    o << "nearest kink: " << number(il_.margin, 6);
    if (il_.margin_node >= 0) o << " at " << text(*e_.s, c_, il_.margin_node, false);
    o << "; the first value or partial that is not finite: ";
    if (it_.nonfinite_node >= 0)
      o << "at " << text(*e_.s, c_, it_.nonfinite_node, false);
    else
      o << "none";
    return o.str();
  }

  void fail(const char* what, int axis, long double allowed = 0) {
    ++st_.failures;
    if (st_.printed >= 10) return;  // the first few in full; all are counted
    ++st_.printed;
    FAIL_CHECK("FUZZ FAILURE: " << report(what, axis, allowed));
  }

  /// With FUZZ_SHOW_ASYMMETRY=n in the environment, the first n points where one of forward
  /// and reverse mode is finite and the other not are shown (they pass: see forward_reverse).
  void show_asymmetry(const char* what, int axis) {
    static const long limit = [] {
      const char* e = std::getenv("FUZZ_SHOW_ASYMMETRY");
      return e ? std::atol(e) : 0L;
    }();
    if (st_.shown < limit) {
      ++st_.shown;
      MESSAGE("not a failure: " << report(what, axis, 0));
    }
  }
};

/// Checks each tree of `es` in T: with its constants as drawn and `variants - 1` redraws,
/// at `points` points each (some of them on purpose at ties). Returns the counts.
template <class T, std::size_t N>
stats run_all(const std::array<entry, N>& es, int variants, int points) {
  stats st;
  for (const entry& e : es) {
    const spec& s = *e.s;
    rng r{s.seed * 0x9e3779b97f4a7c15ULL + (tol<T>::is_double ? 1 : 2)};
    for (int variant = 0; variant < variants; ++variant) {
      const constants c = variant == 0 ? drawn_constants(s) : redrawn_constants(s, r);
      checker<T> check(e, c, variant, st);
      for (int i = 0; i < points; ++i) {
        std::array<T, 3> p{}, t{};
        for (auto& x : p) x = T(r.uniform(-2, 2));
        for (auto& x : t) x = T(r.uniform(-1, 1));
        if (r.chance(12)) {  // at a tie: two variables equal or opposite, one 0 or a constant
          const auto a = std::size_t(r.below(3)), b = (a + 1 + std::size_t(r.below(2))) % 3;
          switch (r.below(4)) {
            case 0:
              p[a] = p[b];
              break;
            case 1:
              p[a] = -p[b];
              break;
            case 2:
              p[a] = T(0);
              break;
            default:
              for (int j = 0, n = r.below(s.size); j < s.size; ++j) {
                const auto m = std::size_t((n + j) % s.size);
                if (s.nodes[m].k == kind::cst) {
                  p[a] = T(c[m]);
                  break;
                }
              }
          }
        }
        check.point(p, t);
      }
    }
  }
  return st;
}

/// The trees of seeds First, First + 1, ..., First + N - 1 (drawn only: no typetape code).
template <std::uint64_t First, std::size_t... I>
constexpr std::array<const spec*, sizeof...(I)> specs(std::index_sequence<I...>) {
  return {&tree<First + I>::value...};
}

/// Which ops of the table, and which other node kinds, no tree of `ss` has (a test that the
/// trees cover everything the fuzzer claims to).
template <std::size_t N>
std::string missing(const std::array<const spec*, N>& ss) {
  std::array<bool, std::size_t(n_ops)> op{};
  bool where = false, sum = false, let = false, nested_let = false;
  std::array<bool, 3> piece{};
  std::array<bool, 4> cmps{};
  for (const spec* sp : ss) {
    const spec& s = *sp;
    if (s.lets > 0) let = true;
    for (int i = 0; i < s.size; ++i) {
      const enode& n = s.nodes[std::size_t(i)];
      if (n.k == kind::op) op[n.what] = true;
      if (n.k == kind::where) where = true;
      if (n.k == kind::sum) sum = true;
      if (n.k == kind::piece) piece[n.what] = true;
      if (n.k == kind::cmp) cmps[n.what] = true;
    }
    for (int l = 1; l < s.lets; ++l) {
      std::array<int, max_lets> uses{};
      count_uses(s, s.let_body[std::size_t(l)], uses);
      if (uses[0] > 0) nested_let = true;
    }
  }
  std::string out;
  for (int i = 0; i < n_ops; ++i)
    if (!op[std::size_t(i)]) out += std::string(op_names[std::size_t(i)]) + "; ";
  if (!where) out += "where; ";
  for (int i = 0; i < 4; ++i)
    if (!cmps[std::size_t(i)]) out += std::string("comparison ") + cmp_names[i] + "; ";
  if (!sum) out += "sum_of; ";
  for (int i = 0; i < 3; ++i)
    if (!piece[std::size_t(i)]) out += std::string(piece_names[i]) + "; ";
  if (!let) out += "let; ";
  if (!nested_let) out += "a let in a let; ";
  return out;
}

/// How many sets of constants each tree is checked with (the drawn ones and redraws), at how
/// many points each, and the least share of the points that must have the finite-difference
/// check (so that the test cannot pass by skipping them).
inline constexpr int variants = 8, points = 128;
inline constexpr double min_checked_share = 0.6;

/// The test of one part of the trees in T: no failure, and enough points checked against
/// finite differences.
template <class T, std::size_t N>
void check_part(const std::array<entry, N>& es) {
  const stats st = run_all<T>(es, variants, points);
  const std::string summary = std::string(tol<T>::name) + ": " + st.summary();
  MESSAGE(summary);
  CHECK(st.failures == 0);
  CHECK(double(st.checked) >= min_checked_share * double(st.points));
}

}  // namespace fuzz
