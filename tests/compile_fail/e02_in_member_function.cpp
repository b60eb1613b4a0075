// expect: TT-E02
// kind: stop_gradient
// name: scale
// A model class whose loss() member detaches its own parameter: the gradient taken in
// another member names the parameter and the detaching op.
#include <typetape/nn.hpp>

struct model {
  tt::variable<"scale"> scale{1.5};
  tt::variable<"shift"> shift{0.25};
  auto loss(double x) const {
#ifdef TT_CONTROL
    auto pred = scale * x + shift;
#else
    auto pred = tt::stop_gradient(scale) * x + shift;
#endif
    return pred * pred;
  }
  double dscale(double x) const { return tt::gradient(loss(x), scale); }
};

int main() {
  const model m;
  // d/dscale (scale*x + shift)^2 = 2 (scale*x + shift) x = 2 * 3.25 * 2 = 13
  return m.dscale(2.0) == 13.0 ? 0 : 1;
}
