// expect: TT-E07
// kind: the target is a tensor
// link: -lopenblas
// A tensor-valued target: TensorFlow's tape.gradient silently sums it. typetape
// asks for tt::sum(target) or tt::output_gradients with a weight of its shape.
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  tt::variable<"w", T1> w{T1{1.0, 2.0}};
  auto y = w * w;
#ifdef TT_CONTROL
  const T1 g = tt::gradient(tt::sum(y), w);
#else
  const T1 g = tt::gradient(y, w);
#endif
  return g == T1{2.0, 4.0} ? 0 : 1;
}
