// expect: TT-E01
// kind: does not use this source
// name: b
// A generic lambda that takes the gradient of a loss it builds, asked for a parameter the
// loss never reads: the same TT-E01, naming b, inside the lambda.
#include <typetape/nn.hpp>

int main() {
  tt::variable<"a"> a{2.0};
  tt::variable<"b"> b{0.5};
  auto grad_of = [](const auto& loss, const auto& param) { return tt::gradient(loss, param); };
#ifdef TT_CONTROL
  auto loss = a * a + b;
#else
  auto loss = a * a;  // b forgotten
#endif
  return grad_of(loss, b) == 1.0 ? 0 : 1;
}
