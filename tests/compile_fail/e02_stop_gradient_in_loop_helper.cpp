// expect: TT-E02
// kind: stop_gradient
// name: sigma
// A misuse inside a loop body written in a helper function template: the loop keeps
// every diagnostic of its body.
#include <typetape/typetape.hpp>
#include <vector>

template <class M, class S>
auto normal_nll(const M& mu, const S& sigma, const std::vector<double>& y) {
  return tt::sum_over<"i">(y.size(), [&](auto i) {
#ifdef TT_CONTROL
    return 0.5 * tt::square((tt::at(y, i) - mu) / sigma) + tt::log(sigma);
#else
    return 0.5 * tt::square((tt::at(y, i) - mu) / tt::stop_gradient(sigma)) + tt::log(tt::stop_gradient(sigma));
#endif
  });
}

int main() {
  tt::variable<"mu"> mu{0.0};
  tt::variable<"sigma"> sigma{1.0};
  const std::vector<double> y{1.0, -1.0};
  auto [gm, gs] = tt::gradient(normal_nll(mu, sigma, y), std::tie(mu, sigma));
  return gm == 0.0 && gs == 0.0 ? 0 : 1;
}
