// A maximum-likelihood fit with a run-time number of data: the newcomer's loop
// (`for i: loss += ...`) written as one tt::sum_over node.
//
// n observations (from the command line, 5000 by default) are drawn from a normal
// distribution with mean 2.5 and standard deviation 0.7. The negative log-likelihood
//     nll(mu, s) = sum_i [ (y_i - mu)^2 / (2 exp(2 s)) + s ] + n log(2 pi) / 2,
// with s = log sigma (so that sigma stays positive), is minimized by gradient descent
// with the step scaled by 1/n. Its minimum is known in closed form: the sample mean
// and the sample standard deviation (divided by n); the program prints both and exits
// 1 unless the fit reaches them to 1e-8.
//
// usage: mle_fit [n]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <typetape/typetape.hpp>
#include <vector>

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 5000;
  std::mt19937_64 rng(20261201);
  std::normal_distribution<double> normal(2.5, 0.7);
  std::vector<double> y(n);
  for (double& v : y) v = normal(rng);

  tt::variable<"mu"> mu{0.0};
  tt::variable<"s"> s{0.0};  // log sigma
  // 1 / sigma^2 does not depend on i: a let outside the body is computed once per
  // recording, not once per datum
  auto inv_var = tt::let<"inv_var">(tt::exp(-2.0 * s));
  auto nll = tt::sum_over<"i">(
      y.size(), [&](auto i) { return 0.5 * tt::square(tt::at(y, i) - mu) * inv_var + s; });

  const double step = 0.5 / double(n);
  std::printf("fitting a normal distribution to %zu data by gradient descent\n", n);
  for (int it = 0; it <= 60; ++it) {
    const auto [gmu, gs] = tt::gradient(nll, std::tie(mu, s));
    if (it % 10 == 0)
      std::printf("  step %3d: nll %.6f  mu %.8f  sigma %.8f  |grad| %.2e\n", it,
                  tt::eval(nll) + 0.5 * double(n) * std::log(2 * 3.14159265358979), mu.get(),
                  std::exp(s.get()), std::hypot(gmu, gs));
    mu -= step * gmu;
    s -= step * gs;
  }
  double mean = 0, var = 0;
  for (double v : y) mean += v;
  mean /= double(n);
  for (double v : y) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / double(n));
  const bool ok = std::abs(mu.get() - mean) < 1e-8 && std::abs(std::exp(s.get()) - sd) < 1e-8;
  std::printf("fit:         mu %.10f  sigma %.10f\nclosed form: mu %.10f  sigma %.10f  %s\n",
              mu.get(), std::exp(s.get()), mean, sd, ok ? "(agree)" : "MISMATCH");
  return ok ? 0 : 1;
}
