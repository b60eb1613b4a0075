// expect: TT-E02
// kind: only through tt::stop_gradient
// name: sigma
// tt::value_and_gradient asserts the same diagnostics as tt::gradient, in the function the
// user calls: a step that takes a loss and its gradient at once, with the scale detached by
// mistake, names sigma.
#include <cmath>
#include <typetape/typetape.hpp>

int main() {
  tt::variable<"mu"> mu{0.5};
  tt::variable<"sigma"> sigma{1.5};
#ifdef TT_CONTROL
  auto z = (2.0 - mu) / sigma;
#else
  auto z = (2.0 - mu) / tt::stop_gradient(sigma);
#endif
  auto [value, grads] = tt::value_and_gradient(0.5 * z * z, std::tie(mu, sigma));
  // z = 1: the value 1/2, d/dmu = -(2 - mu) / sigma^2, d/dsigma = -(2 - mu)^2 / sigma^3
  const double want = -1.5 / 2.25;
  const bool ok = std::abs(value - 0.5) < 1e-15 && std::abs(std::get<0>(grads) - want) < 1e-15 &&
                  std::abs(std::get<1>(grads) - want) < 1e-15;
  return ok ? 0 : 1;
}
