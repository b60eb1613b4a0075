// Sensitivity of a 1-D heat equation to its diffusion coefficients, with loops whose
// trip counts are known only at run time.
//
// A rod of n cells (n from the command line, 48 by default) starts hot in the middle;
// its ends are held at 0. The explicit finite-difference scheme
//     u_{t+1}[i] = u_t[i] + r D[i] (u_t[i-1] - 2 u_t[i] + u_t[i+1])
// runs for `steps` steps, and the loss is the squared distance of the final profile
// from a target. d loss / d D, one number per cell, tells which part of the rod's
// conductivity matters: a fold over time whose cell is a map over space, one expression
// type for any n and any number of steps. Each printed sensitivity is checked against a
// central finite difference; the program exits 1 on a mismatch.
//
// usage: heat_sensitivity [cells] [steps]
#include <cstdio>
#include <cstdlib>

#include "fd_check.hpp"

int main(int argc, char** argv) {
  using T1 = xt::xtensor<double, 1>;
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 48;
  const std::size_t steps = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 150;
  const double r = 0.2;  // dt / dx^2 (stable while r D <= 0.5)

  T1 u0 = T1::from_shape({n}), target = T1::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) {
    const double x = (double(i) + 0.5) / double(n);
    u0(i) = std::exp(-60.0 * (x - 0.5) * (x - 0.5));  // a hot spot in the middle
    target(i) = 0.25 * std::sin(3.14159265358979 * x);
  }
  tt::variable<"D", T1> D{xt::ones<double>({n})};

  // the zero boundary: tt::at_or reads 0 outside [0, n)
  auto uT = tt::fold<"t">(steps, u0, [&](auto u, auto) {
    return tt::map_over<"i">(n, [&](auto i) {
      return tt::at(u, i) +
             r * tt::at(D, i) *
                 (tt::at_or(0.0, u, i - 1) - 2.0 * tt::at(u, i) + tt::at_or(0.0, u, i + 1));
    });
  });
  auto loss = tt::sum(tt::square(uT - target));

  const T1 g = tt::gradient(loss, D);
  std::printf("%zu cells, %zu steps: loss %.8f\n", n, steps, tt::eval(loss));
  std::printf("d loss / d D (the conductivity of each cell), against finite differences:\n");
  for (std::size_t k : {std::size_t{0}, n / 4, n / 2 - 1, n / 2, 3 * n / 4, n - 1})
    example::check_fd("d loss / d D[k]", loss, D, g, k);
  std::size_t top = 0;
  for (std::size_t k = 0; k < n; ++k)
    if (std::abs(g(k)) > std::abs(g(top))) top = k;
  std::printf("the loss is most sensitive to cell %zu of %zu (%+.6f)\n", top, n, g(top));
  if (example::failures) std::printf("%d MISMATCHES\n", example::failures);
  return example::failures ? 1 : 0;
}
