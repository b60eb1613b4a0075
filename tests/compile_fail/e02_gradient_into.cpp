// expect: TT-E02
// kind: only through tt::stop_gradient
// name: sigma
// tt::gradient_into asserts the same diagnostics as tt::gradient, in the function the user
// calls: a model class whose step writes its gradient into members, with the scale detached
// by mistake, names sigma.
#include <cmath>
#include <typetape/typetape.hpp>

struct model {
  tt::variable<"mu"> mu{0.5};
  tt::variable<"sigma"> sigma{1.5};
  double g_mu = 0, g_sigma = 0;
  void step(double y) {
#ifdef TT_CONTROL
    auto z = (y - mu) / sigma;
#else
    auto z = (y - mu) / tt::stop_gradient(sigma);
#endif
    tt::gradient_into(0.5 * z * z, std::tie(mu, sigma), std::tie(g_mu, g_sigma));
  }
};

int main() {
  model m;
  m.step(2.0);
  // z = 1: d/dmu = -(2 - mu) / sigma^2, d/dsigma = -(2 - mu)^2 / sigma^3
  const double want = -1.5 / 2.25;
  return std::abs(m.g_mu - want) < 1e-15 && std::abs(m.g_sigma - want) < 1e-15 ? 0 : 1;
}
