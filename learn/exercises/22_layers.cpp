// Exercise 22: layers
//
// #include <typetape/nn.hpp> adds layers (tt::nn::dense, rnn_cell, lstm_cell, conv2d) and
// optimizers. A layer of your own derives from tt::nn::layer<Self>, lists its variables in
// params() and computes forward(inputs...). Calling the layer checks that the two agree:
// a parameter that forward() never uses would never be trained (TensorFlow: None, and the
// optimizer skips it), and a variable forward() uses but params() does not list would not
// be stepped by the optimizer.
//
// TODO: this affine layer lists a bias b that forward() forgets. Add it.
//
// shipped: TT-E08
// expect: dloss/dW = (46.5, -10, 61.5, -14, 76.5, -18), dloss/db = (15, -4)
// hint: return tt::matmul(x, W) + b;  (b, of shape (2,), is added to each row.)
#include <cstdio>
#include <tuple>
#include <typetape/nn.hpp>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

struct affine : tt::nn::layer<affine> {
  tt::variable<"W", T2> W{T2{{1.0, 0.0}, {0.0, 1.0}, {1.0, -1.0}}};
  tt::variable<"b", T1> b{T1{0.5, -1.0}};
  auto params() { return std::tie(W, b); }
  template <class X>
  auto forward(const X& x) const {
    return tt::matmul(x, W);  // TODO: add the bias
  }
};

int main() {
  affine layer;
  const T2 input{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  auto out = layer(input);
  auto loss = 0.5 * tt::sum(tt::square(out));
  const auto [gW, gb] = tt::gradient(loss, layer.params());
  std::printf("dloss/dW = (%.10g, %.10g, %.10g, %.10g, %.10g, %.10g), dloss/db = (%.10g, %.10g)\n",
              gW(0, 0), gW(0, 1), gW(1, 0), gW(1, 1), gW(2, 0), gW(2, 1), gb(0), gb(1));
}
