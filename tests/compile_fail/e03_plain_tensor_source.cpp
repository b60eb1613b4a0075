// expect: TT-E03
// kind: is a plain tensor
// link: -lopenblas
// A plain xt::xtensor passed as a source (TensorFlow: an unwatched tensor gives None). It
// was called an unnamed expression (fix: tt::let), followed by a conversion error.
#include <typetape/tensor.hpp>

using T1 = xt::xtensor<double, 1>;

int main() {
  tt::variable<"w", T1> w{T1{1.0, 2.0}};
#ifdef TT_CONTROL
  tt::variable<"bias", T1> bias{T1{0.5, -0.5}};
#else
  T1 bias{0.5, -0.5};
#endif
  auto loss = tt::sum(tt::square(w + bias));
  T1 gb = tt::gradient(loss, bias);
  return gb(0) == 3.0 && gb(1) == 3.0 ? 0 : 1;
}
