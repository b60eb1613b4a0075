// Prints detail::elementwise_ops as JSON for scripts/make-oracle: one entry per op with
// its name, its PyTorch spelling, its arity and its domain. The oracle's elementwise
// cases come from this list, so an op added to the table gets its PyTorch case by
// re-running scripts/make-oracle (test_oracle.cpp fails until it has one).
#include <cstdio>
#include <string_view>
#include <typetape/typetape.hpp>

template <class... Op>
void print(tt::detail::tlist<Op...>) {
  std::printf("[");
  const char* sep = "";
  (
      [&] {
        std::printf(
            "%s\n {\"name\": \"%.*s\", \"torch\": \"%.*s\", \"arity\": %d, \"a\": [%.17g, %.17g], "
            "\"b\": [%.17g, %.17g]}",
            sep, int(Op::name.size()), Op::name.data(), int(Op::torch.size()), Op::torch.data(),
            tt::detail::is_binary_op<Op> ? 2 : 1, Op::domain.a.lo, Op::domain.a.hi, Op::domain.b.lo,
            Op::domain.b.hi);
        sep = ",";
      }(),
      ...);
  std::printf("\n]\n");
}

int main() { print(tt::detail::elementwise_ops{}); }
