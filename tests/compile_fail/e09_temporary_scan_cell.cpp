// expect: TT-E09
// kind: temporary layer
// name: rnn.W
// link: -lopenblas
// A layer made in the call to scan: the scan holds the cell's parameters by reference,
// past the end of the statement that made the layer.
#include <typetape/nn.hpp>

int main() {
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"h0", T2> h0{T2::from_shape({2, 4})};
  const xt::xtensor<double, 3> xs = xt::ones<double>({5, 2, 3});
#ifdef TT_CONTROL
  tt::nn::rnn_cell<"rnn"> cell{3, 4};
  auto h = tt::scan<"seq">(cell, h0, xs);
#else
  auto h = tt::scan<"seq">(tt::nn::rnn_cell<"rnn">{3, 4}, h0, xs);
#endif
  return tt::eval(tt::sum(h)) == 0.0 ? 1 : 0;
}
