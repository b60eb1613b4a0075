// Loops with a run-time trip count (tt::sum_over, tt::fold, tt::map_over), side by side
// with hand-written gradients (the limit) and the peers (Google Benchmark):
//   normal_loop1000  sum of normal log-densities of n = 1000 run-time data, a scalar loop,
//                    w.r.t. (mu, sigma);
//   heat1d           a 1-D explicit finite-difference heat equation, 64 cells, 200 steps,
//                    zero boundaries; loss = sum (u_T - target)^2 w.r.t. the 64 diffusion
//                    coefficients;
//   lennard_jones64  the pairwise Lennard-Jones energy of 64 particles in 3-D, w.r.t. the
//                    192 coordinates.
// The harness (bench/harness.hpp) checks each contender against the hand-written
// gradient before timing it.
#include <memory>
#include <typetape/tensor.hpp>

#include "harness.hpp"

namespace {

using T1 = xt::xtensor<double, 1>;

/// The data are a std::vector: a run-time count.
using normal_loop = normal_workload<vec>;

struct heat1d {
  static constexpr std::size_t cells = 64, steps = 200;
  static constexpr double r = 0.2;  // dt / dx^2; r D <= 0.3: stable
  vec u0 = vec(cells), target = vec(cells);
  heat1d() {
    for (std::size_t i = 0; i < cells; ++i) {
      u0[i] =
          std::sin(3.14159 * double(i + 1) / double(cells + 1)) + 0.2 * std::sin(0.9 * double(i));
      target[i] = 0.3 * std::sin(3.14159 * double(i + 1) / double(cells + 1));
    }
  }
  std::size_t n() const { return cells; }
  vec point() const {
    vec d(cells);
    for (std::size_t i = 0; i < cells; ++i) d[i] = 1.0 + 0.4 * std::sin(1.7 * double(i));
    return d;
  }
  template <class T>
  T f(const T* D, const double*) const {
    // constants as D[0] * 0 + c: Eigen's AutoDiffScalar needs every value's derivative
    // vector sized (a constant's is empty, and mixing the two reads past its end)
    const T zero = D[0] * 0.0;
    std::vector<T> u(cells, zero), un(cells, zero);
    for (std::size_t i = 0; i < cells; ++i) u[i] = zero + u0[i];
    for (std::size_t t = 0; t < steps; ++t) {
      for (std::size_t i = 0; i < cells; ++i) {
        T l = i > 0 ? u[i - 1] : zero, rr = i + 1 < cells ? u[i + 1] : zero;
        un[i] = u[i] + r * D[i] * (l - 2.0 * u[i] + rr);
      }
      std::swap(u, un);
    }
    T loss = zero;
    for (std::size_t i = 0; i < cells; ++i) loss += (u[i] - target[i]) * (u[i] - target[i]);
    return loss;
  }
  /// The adjoint method: all states forward, then lambda_t = (d u_{t+1} / d u_t)^T lambda_{t+1}.
  double hand(const double* D, double* g) const {
    std::vector<double> U((steps + 1) * cells), lam(cells), next(cells);
    std::copy(u0.begin(), u0.end(), U.begin());
    for (std::size_t t = 0; t < steps; ++t) {
      const double* u = &U[t * cells];
      double* un = &U[(t + 1) * cells];
      for (std::size_t i = 0; i < cells; ++i) {
        const double l = i > 0 ? u[i - 1] : 0.0, rr = i + 1 < cells ? u[i + 1] : 0.0;
        un[i] = u[i] + r * D[i] * (l - 2.0 * u[i] + rr);
      }
    }
    const double* uT = &U[steps * cells];
    double loss = 0;
    for (std::size_t i = 0; i < cells; ++i) {
      loss += (uT[i] - target[i]) * (uT[i] - target[i]);
      lam[i] = 2.0 * (uT[i] - target[i]);
      g[i] = 0.0;
    }
    for (std::size_t t = steps; t-- > 0;) {
      const double* u = &U[t * cells];
      for (std::size_t i = 0; i < cells; ++i) {
        const double l = i > 0 ? u[i - 1] : 0.0, rr = i + 1 < cells ? u[i + 1] : 0.0;
        g[i] += lam[i] * r * (l - 2.0 * u[i] + rr);
        next[i] = lam[i] * (1.0 - 2.0 * r * D[i]) + (i > 0 ? lam[i - 1] * r * D[i - 1] : 0.0) +
                  (i + 1 < cells ? lam[i + 1] * r * D[i + 1] : 0.0);
      }
      std::swap(lam, next);
    }
    return loss;
  }
};

struct lennard_jones {
  static constexpr std::size_t particles = 64;
  std::size_t n() const { return 3 * particles; }
  vec point() const {  // a 4x4x4 lattice, spacing 1.12, slightly perturbed
    vec x(n());
    for (std::size_t p = 0; p < particles; ++p)
      for (std::size_t d = 0; d < 3; ++d) {
        const std::size_t c = d == 0 ? p % 4 : d == 1 ? (p / 4) % 4 : p / 16;
        x[3 * p + d] = 1.12 * double(c) + 0.05 * std::sin(double(7 * p + 3 * d));
      }
    return x;
  }
  template <class T>
  T f(const T* x, const double*) const {
    T e = T(0.0);
    for (std::size_t i = 0; i < particles; ++i)
      for (std::size_t j = i + 1; j < particles; ++j) {
        T dx = x[3 * i] - x[3 * j], dy = x[3 * i + 1] - x[3 * j + 1],
          dz = x[3 * i + 2] - x[3 * j + 2];
        T r2 = dx * dx + dy * dy + dz * dz;
        T s6 = 1.0 / (r2 * r2 * r2);
        e += 4.0 * (s6 * s6 - s6);
      }
    return e;
  }
  double hand(const double* x, double* g) const {
    std::fill(g, g + n(), 0.0);
    double e = 0;
    for (std::size_t i = 0; i < particles; ++i)
      for (std::size_t j = i + 1; j < particles; ++j) {
        const double dx = x[3 * i] - x[3 * j], dy = x[3 * i + 1] - x[3 * j + 1],
                     dz = x[3 * i + 2] - x[3 * j + 2];
        const double r2 = dx * dx + dy * dy + dz * dz, s2 = 1.0 / r2, s6 = s2 * s2 * s2;
        e += 4.0 * (s6 * s6 - s6);
        const double k = 4.0 * (-12.0 * s6 * s6 + 6.0 * s6) * s2;  // dE/dr2 * 2
        g[3 * i] += k * dx, g[3 * i + 1] += k * dy, g[3 * i + 2] += k * dz;
        g[3 * j] -= k * dx, g[3 * j + 1] -= k * dy, g[3 * j + 2] -= k * dz;
      }
    return e;
  }
};

template <class T>
void copy_out(const T& t, double* g, std::size_t stride = 1) {
  for (std::size_t i = 0; i < t.size(); ++i) g[i * stride] = t.data()[i];
}

struct normal_vars {
  tt::variable<"mu"> mu;
  tt::variable<"sigma"> sigma;
  /// One gradient at x: the variables assigned, the gradient of f into g.
  template <class F>
  void gradient(const F& f, const double* x, double* g) {
    mu = x[0];
    sigma = x[1];
    const auto [gm, gs] = tt::gradient(f, std::tie(mu, sigma));
    g[0] = gm;
    g[1] = gs;
  }
};

void add_typetape() {
  // One loop as the target: the log of sigma and 1/sigma are loop-invariant lets, computed once.
  add("normal_loop1000", normal_loop{}, "typetape", [](const normal_loop& w, const vec&) {
    auto v = std::make_shared<normal_vars>();
    auto inv = tt::let<"inv">(1.0 / v->sigma);
    auto c = tt::let<"c">(tt::log(v->sigma) + normal_loop::half_log_2pi);
    auto f = tt::sum_over<"i">(w.data.size(), [&](auto i) {
      return -0.5 * tt::square((tt::at(w.data, i) - v->mu) * inv) - c;
    });
    return [v, f](const double* x, double* g) { v->gradient(f, x, g); };
  });
  // The loop as one term of the log-likelihood: nothing reads the sum's value (-0.5 q is
  // linear in it), so tt::gradient runs it once, in the backward pass.
  add("normal_loop1000", normal_loop{}, "typetape_term", [](const normal_loop& w, const vec&) {
    auto v = std::make_shared<normal_vars>();
    const double nd = double(w.data.size());
    auto inv = tt::let<"inv">(1.0 / v->sigma);
    auto q = tt::sum_over<"i">(
        w.data.size(), [&](auto i) { return tt::square((tt::at(w.data, i) - v->mu) * inv); });
    auto f = -0.5 * q - nd * tt::log(v->sigma) - nd * normal_loop::half_log_2pi;
    return [v, f](const double* x, double* g) { v->gradient(f, x, g); };
  });
  add("heat1d", heat1d{}, "typetape", [](const heat1d& w, const vec& d0) {
    constexpr std::size_t n = heat1d::cells;
    auto D = std::make_shared<tt::variable<"D", T1>>(T1::from_shape({n}));
    T1 u0 = T1::from_shape({n}), target = T1::from_shape({n});
    std::copy(w.u0.begin(), w.u0.end(), u0.begin());
    std::copy(w.target.begin(), w.target.end(), target.begin());
    auto uT = tt::fold<"t">(heat1d::steps, u0, [&](auto u, auto) {
      return tt::map_over<"i">(n, [&](auto i) {
        return tt::at(u, i) +
               heat1d::r * tt::at(*D, i) *
                   (tt::at_or(0.0, u, i - 1) - 2.0 * tt::at(u, i) + tt::at_or(0.0, u, i + 1));
      });
    });
    auto f = tt::sum(tt::square(uT - target));
    T1 in = T1::from_shape({n});
    std::copy(d0.begin(), d0.end(), in.begin());
    return [D, f, in](const double* x, double* g) mutable {
      std::copy(x, x + in.size(), in.data());
      *D = in;
      copy_out(tt::gradient(f, *D), g);
    };
  });
  add("lennard_jones64", lennard_jones{}, "typetape", [](const lennard_jones&, const vec&) {
    constexpr std::size_t n = lennard_jones::particles;
    struct vars {
      tt::variable<"X", T1> X{T1::from_shape({n})};
      tt::variable<"Y", T1> Y{T1::from_shape({n})};
      tt::variable<"Z", T1> Z{T1::from_shape({n})};
    };
    auto v = std::make_shared<vars>();
    auto f = tt::sum_over<"i">(n, [&](auto i) {
      return tt::sum_over<"j">(i + 1, n, [&](auto j) {
        auto dx = tt::at(v->X, i) - tt::at(v->X, j);
        auto dy = tt::at(v->Y, i) - tt::at(v->Y, j);
        auto dz = tt::at(v->Z, i) - tt::at(v->Z, j);
        auto r2 = tt::let<"r2">(tt::square(dx) + tt::square(dy) + tt::square(dz));
        auto s6 = tt::let<"s6">(1.0 / (r2 * r2 * r2));
        return 4.0 * (s6 * s6 - s6);
      });
    });
    return [v, f, bx = T1::from_shape({n}), by = T1::from_shape({n}), bz = T1::from_shape({n})](
               const double* x, double* g) mutable {
      for (std::size_t p = 0; p < n; ++p)
        bx(p) = x[3 * p], by(p) = x[3 * p + 1], bz(p) = x[3 * p + 2];
      v->X = bx;
      v->Y = by;
      v->Z = bz;
      const auto [gx, gy, gz] = tt::gradient(f, std::tie(v->X, v->Y, v->Z));
      copy_out(gx, g, 3);
      copy_out(gy, g + 1, 3);
      copy_out(gz, g + 2, 3);
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  add_common("normal_loop1000", normal_loop{});
  add_common("heat1d", heat1d{});
  add_common("lennard_jones64", lennard_jones{});
  add_typetape();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
