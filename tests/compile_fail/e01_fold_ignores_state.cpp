// expect: TT-E01
// name: x0
// A recurrence whose cell never reads its state: the initial state does not reach the
// result (TensorFlow's while_loop gives None for it), so its gradient is TT-E01.
#include <typetape/typetape.hpp>
#include <vector>

int main() {
  tt::variable<"x0"> x0{1.0};
  tt::variable<"k"> k{0.5};
  const std::vector<double> f{0.1, 0.2, 0.3};
#ifdef TT_CONTROL
  auto xT = tt::fold<"t">(f.size(), x0, [&](auto x, auto t) { return x * k + tt::at(f, t); });
#else
  auto xT = tt::fold<"t">(f.size(), x0, [&](auto, auto t) { return k * tt::at(f, t); });
#endif
  auto [g0, gk] = tt::gradient(xT, std::tie(x0, k));
  return g0 >= 0.0 && gk >= 0.0 ? 0 : 1;
}
