// Tensors with typetape: a dense layer's loss, seed 003's conv2d on a constant input,
// gradients of a potential at many points at once, and what a shape mistake says.
#include <cstdio>
#include <typetape/tensor.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T4 = xt::xtensor<double, 4>;

namespace {
template <class T>
T filled(std::initializer_list<std::size_t> shape, double scale) {  // deterministic data
  T t = T::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = scale * std::sin(1.0 + 0.7 * static_cast<double>(i));
  return t;
}
}  // namespace

int main() {
  // 1. A dense layer, mean squared error: one GEMM forward, two backward; the
  //    tanh/bias/square/mean chain is one fused loop in each direction.
  tt::variable<"W", T2> w{filled<T2>({4, 3}, 0.5)};
  tt::variable<"b", T1> b{T1{0.1, -0.2, 0.05}};
  const T2 x = filled<T2>({8, 4}, 1.0);
  const T2 y = filled<T2>({8, 3}, 0.3);
  auto loss = tt::mse(tt::tanh(tt::matmul(x, w) + b), y);
  const auto [gw, gb] = tt::gradient(loss, std::tie(w, b));
  std::printf("dense layer: loss %.6f, dloss/db = (%.6f, %.6f, %.6f), dloss/dW[0][0] = %.6f\n",
              tt::eval(loss), gb(0), gb(1), gb(2), gw(0, 0));

  // 2. Seed 003: conv2d on a constant input; name the output to differentiate by it.
  const T4 input = filled<T4>({1, 6, 6, 3}, 1.0);
  tt::variable<"conv_filter", T4> filter{filled<T4>({3, 3, 3, 10}, 0.2)};
  auto conv = tt::let<"convOutputs">(tt::conv2d(input, filter, {.pad = tt::padding::same}));
  auto conv_loss = tt::mean(tt::square(conv));
  auto tape = tt::record<tt::persistent>(conv_loss);
  const T4 g_conv = tape.gradient(conv_loss, conv);  // TensorFlow: a tensor (the seed says None)
  const T4 g_filter = tape.gradient(conv_loss, filter);  // TensorFlow: a tensor
  const T4 c = tt::eval(tt::conv2d(input, filter, {.pad = tt::padding::same}));
  std::printf(
      "seed 003: d loss / d convOutputs[0,0,0,0] = %.6f (2 c / size = %.6f), d loss / d "
      "filter[0,0,0,0] = %.6f\n",
      g_conv(0, 0, 0, 0), 2 * c(0, 0, 0, 0) / static_cast<double>(c.size()), g_filter(0, 0, 0, 0));

  // 3. The gradient of a potential at many points: one pass on SIMD batches.
  tt::variable<"px"> px;
  tt::variable<"py"> py;
  auto potential = tt::exp(-(px * px + py * py)) + 0.1 * (px * px + py * py);
  const std::vector<double> xs{-1.0, -0.5, 0.0, 0.5, 1.0}, ys{0.5, 0.25, 0.0, -0.25, -0.5};
  const auto [fx, fy] = tt::batch_gradient(potential, std::tie(px, py), xs, ys);
  std::printf("potential gradient at %zu points:", xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) std::printf(" (%.4f, %.4f)", fx[i], fy[i]);
  std::printf("\n");

  // 4. A shape mistake is an exception that names the op and both shapes.
  tt::variable<"v", T1> v{T1{1.0, 2.0}};
  try {
    (void)tt::eval(tt::matmul(x, v));
  } catch (const tt::shape_error& e) {
    std::printf("a shape mistake: %s\n", e.what());
  }
  return 0;
}
