// gradcheck: compares typetape's gradients with central finite differences.
// The finite differences evaluate the expression through tt::eval with the
// variable nudged, so they never touch the backward pass they check.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <typetape/typetape.hpp>

namespace ttest {

/// rtol is relative to the larger of the two derivatives; atol is an absolute floor,
/// 0 by default so that tiny derivatives (exp(-30), tanh'(15)) are checked too: the
/// finite difference's own rounding noise is allowed for separately.
struct tolerance {
  double rtol = 1e-6;
  double atol = 0;
};

/// A finite-difference derivative and the size of its rounding error.
struct estimate {
  double value;
  double noise;
};

/// The value a finite difference nudges: a variable's, or a watched constant's.
template <class V>
auto value_of(const V& v) {
  return v.get();
}
template <class T>
T value_of(const tt::constant<T>& c) {
  return c.v;
}
template <class V, class T>
void set_value(V& v, T x) {
  v = x;
}
template <class T>
void set_value(tt::constant<T>& c, T x) {
  c.v = x;
}

/// Central differences of e w.r.t. variable v (or a watched constant) at its current value, refined
/// by one Richardson step (truncation error O(h^4)). The step is relative to |x| so that points
/// near a domain edge (log, sqrt at 1e-3) stay inside it; the rounding error that a small step
/// brings (about eps |f| / h) is reported, so the comparison allows for it and for nothing else.
/// The Richardson-refined central difference of f at x, where f(y) evaluates the
/// function with the nudged value set to y (a T: the steps as T really takes them).
/// The step is h = cbrt(eps) max(|x|, floor); the rounding noise reported is
/// noise_factor eps max|f| / h.
template <class T, class F>
estimate richardson(T x, double eps, double floor, double noise_factor, F&& f) {
  const double h = std::cbrt(eps) * std::max(std::abs(double(x)), floor);
  double fmax = 0;
  auto central = [&](double step) {
    const T xp = T(x + step), xm = T(x - step);
    const double fp = f(xp), fm = f(xm);
    fmax = std::max({fmax, std::abs(fp), std::abs(fm)});
    return (fp - fm) / (double(xp) - double(xm));
  };
  const double coarse = central(h), fine = central(h / 2);
  return {(4 * fine - coarse) / 3, noise_factor * eps * fmax / h};
}

template <class E, class V>
estimate finite_difference(const E& e, V& v) {
  using T = typename V::value_type;  // float variables: float's steps
  using R = typename E::value_type;  // float anywhere in the value: float's rounding
  constexpr double eps =
      std::max<double>(std::numeric_limits<T>::epsilon(), std::numeric_limits<R>::epsilon());
  const T x = value_of(v);
  const estimate d = richardson(x, eps, 1e-3, 8, [&](T y) {
    set_value(v, y);
    return double(tt::eval(e));
  });
  set_value(v, x);
  return d;
}

inline bool close(double a, double b, tolerance tol = {}, double noise = 0) {
  return std::abs(a - b) <= tol.atol + noise + tol.rtol * std::max(std::abs(a), std::abs(b));
}

/// Checks d e / d v for each variable against finite differences.
template <class E, class... V>
void gradcheck(const E& e, tolerance tol, V&... v) {
  const auto grads = tt::gradient(e, std::tie(v...));
  std::apply(
      [&](auto... g) {
        (([&] {
           const estimate fd = finite_difference(e, v);
           INFO("d/d", v.name(), " at ", v.get(), ": typetape ", g, ", finite differences ",
                fd.value, " (rounding noise ", fd.noise, ")");
           CHECK(close(double(g), fd.value, tol, fd.noise));
         }()),
         ...);
      },
      grads);
}
template <class E, class... V>
void gradcheck(const E& e, V&... v) {
  gradcheck(e, tolerance{}, v...);
}

/// Consumes a tape taken by reference, so no compiler can see its state: a second
/// use must be caught at run time (tt::consumed_tape_error, TensorFlow's RuntimeError).
template <class Tape, class Y, class X>
double consume(Tape& t, const Y& y, const X& x) {
  return std::move(t).gradient(y, x);
}

/// The message of the tt::error that f throws, without the pointer to docs/errors.md every
/// message ends with ("" if none).
template <class F>
std::string thrown(F&& f) {
  try {
    f();
  } catch (const tt::error& e) {
    // every message ends with where docs/errors.md explains its code; returned without it,
    // or marked when it is missing (so that the comparison fails)
    const std::string what = e.what();
    if (what.size() < 7 || what.compare(0, 4, "TT-E") != 0) return "(no code) " + what;
    const std::string pointer = " See docs/errors.md#tt-e" + what.substr(4, 2) + ".";
    if (what.size() < pointer.size() ||
        what.compare(what.size() - pointer.size(), pointer.size(), pointer) != 0)
      return "(no pointer to docs/errors.md) " + what;
    return what.substr(0, what.size() - pointer.size());
  }
  return "";
}

/// Uniform random numbers from a fixed seed (reproducible failures).
struct sampler {
  std::mt19937_64 rng{20261124};
  double operator()(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  }
};

}  // namespace ttest
