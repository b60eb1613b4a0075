// expect: TT-E02
// kind: .value()
// name: conv_filter
// link: -lopenblas
// seed 003: `manipulated_outputs = convOutputs.numpy(); loss = reduce_mean(square(
// manipulated_outputs))` inside the tape: TensorFlow returns None for the filter.
#include <typetape/tensor.hpp>

int main() {
  using T4 = xt::xtensor<double, 4>;
  const T4 input = xt::ones<double>({1, 4, 4, 3});
  tt::variable<"conv_filter", T4> filter{T4(xt::ones<double>({3, 3, 3, 2}))};
  auto conv = tt::conv2d(input, filter, {.pad = tt::padding::same});
#ifdef TT_CONTROL
  auto loss = tt::mean(tt::square(conv));
#else
  auto loss = tt::mean(tt::square(conv.value()));
#endif
  const T4 g = tt::gradient(loss, filter);
  return g(1, 1, 0, 0) > 0.0 ? 0 : 1;
}
