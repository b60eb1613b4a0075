// A tensor program that uses an installed typetape (tests/consumer/): the gradient of
// L(W) = sum((W x)^2) for a 3x4 matrix W and a constant vector x, through a BLAS
// matrix-vector product; analytically dL/dW = 2 (W x) x^T. Exits 1 on a mismatch.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  T2 w0 = T2::from_shape({3, 4});
  for (std::size_t i = 0; i < w0.size(); ++i) w0.data()[i] = 0.1 * static_cast<double>(i) - 0.4;
  const T1 x{0.5, -1.0, 2.0, 0.25};

  tt::variable<"W", T2> w{w0};
  auto loss = tt::sum(tt::square(tt::matmul(w, x)));
  const T2 g = tt::gradient(loss, w);

  double worst = 0.0;
  for (std::size_t i = 0; i < 3; ++i) {
    double wx = 0.0;
    for (std::size_t j = 0; j < 4; ++j) wx += w0(i, j) * x(j);
    for (std::size_t j = 0; j < 4; ++j)
      worst = std::fmax(worst, std::abs(g(i, j) - 2.0 * wx * x(j)));
  }
  const bool ok = worst <= 1e-12;
  std::printf("tensor gradient of sum((W x)^2): largest error %.3g: %s\n", worst,
              ok ? "ok" : "MISMATCH");
  return ok ? 0 : 1;
}
