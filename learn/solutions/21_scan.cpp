// Exercise 21: recurrences with tt::scan
//
// tt::scan<"name">(cell, h0, xs) applies cell(h, x) along the leading axis of xs:
// h1 = cell(h0, xs[0]), h2 = cell(h1, xs[1]), ... Its value is the last state. The cell is
// called once, on placeholders, so it is one expression type however many steps run, and
// backpropagation through time reaches the cell's variables and the initial state.
//
// Here the recurrence is h <- w * h + x, elementwise, over 3 steps. A cell that never
// reads its state makes the result independent of h0 after the first step: h0 then has no
// gradient (TensorFlow: None), and typetape says so at compile time.
//
// TODO: the cell forgot its state. Write h <- w * h + x.
//
// shipped: TT-E01
// expect: dloss/dw = (2.75, 17), dloss/dh0 = (0.125, 8)
// hint: The cell's first parameter is the state:
// hint: [&](const auto& h, const auto& x) { return w * h + x; }
//
// Solution: the cell w * h + x. Analytic, per element, with every x_t = 1: h3 = w^3 h0 + w^2
// + w + 1, so dh3/dh0 = w^3 = (0.125, 8) and dh3/dw = 3 w^2 h0 + 2w + 1 = (2.75, 17) for
// w = (0.5, 2), h0 = (1, 1). The loss is the sum of h3's elements.
#include <cstdio>
#include <tuple>
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  using T3 = xt::xtensor<double, 3>;
  tt::variable<"w", T1> w{T1{0.5, 2.0}};
  tt::variable<"h0", T2> h0{T2{{1.0, 1.0}}};
  const T3 xs = xt::ones<double>({3, 1, 2});  // 3 steps of a batch of 1, 2 features
  auto cell = [&](const auto& h, const auto& x) { return w * h + x; };
  auto loss = tt::sum(tt::scan<"rnn">(cell, h0, xs));
  const auto [gw, gh0] = tt::gradient(loss, std::tie(w, h0));
  std::printf("dloss/dw = (%.10g, %.10g), dloss/dh0 = (%.10g, %.10g)\n", gw(0), gw(1), gh0(0, 0),
              gh0(0, 1));
}
