// expect: TT-E02
// kind: only through tt::stop_gradient
// name: sigma
// tt::plan_gradient asserts the same diagnostics as tt::gradient, where the plan is made: a
// model class that plans its step once, in its constructor, with the scale detached by
// mistake, names sigma; the plan's into() adds no second error.
#include <cmath>
#include <typetape/typetape.hpp>

template <class F>
struct fit {
  tt::variable<"mu"> mu{0.5};
  tt::variable<"sigma"> sigma{1.5};
  double y = 2.0;
  static auto loss(const tt::variable<"mu">& mu, const tt::variable<"sigma">& sigma,
                   const double& y) {
#ifdef TT_CONTROL
    auto z = (y - mu) / sigma;
#else
    auto z = (y - mu) / tt::stop_gradient(sigma);
#endif
    return 0.5 * z * z;
  }
  decltype(tt::plan_gradient(loss(mu, sigma, y), std::tie(mu, sigma))) plan =
      tt::plan_gradient(loss(mu, sigma, y), std::tie(mu, sigma));
};

int main() {
  fit<double> m;
  double g_mu = 0, g_sigma = 0;
  m.plan.into(std::tie(g_mu, g_sigma));
  // z = 1: d/dmu = -(2 - mu) / sigma^2, d/dsigma = -(2 - mu)^2 / sigma^3
  const double want = -1.5 / 2.25;
  return std::abs(g_mu - want) < 1e-15 && std::abs(g_sigma - want) < 1e-15 ? 0 : 1;
}
