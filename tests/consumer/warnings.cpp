// One translation unit with both umbrella headers, compiled by scripts/lib/consumer_test.sh
// with -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror on g++ and
// clang++ and the headers on a plain -I path (as pkg-config gives them): typetape's headers
// must not trip a user's strict warnings.
#include <typetape/tensor.hpp>
#include <typetape/typetape.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"a"> a{0.5};
  const double da = tt::gradient(tt::exp(a) * a, a);
  tt::variable<"W", T2> w{T2{{1.0, 2.0}, {3.0, 4.0}}};
  const T1 x{1.0, -1.0};
  const T2 gw = tt::gradient(tt::sum(tt::tanh(tt::matmul(w, x))), w);
  using T4 = xt::xtensor<double, 4>;
  const T4 image = xt::ones<double>({1, 4, 4, 2});
  tt::variable<"k", T4> k{xt::ones<double>({3, 3, 2, 2})};
  const T4 gk = tt::gradient(
      tt::mean(tt::square(tt::conv2d(image, k, {.stride = 2, .pad = tt::padding::same}))), k);
  return da > 0.0 && gw.size() == 4 && gk.size() == 36 ? 0 : 1;
}
