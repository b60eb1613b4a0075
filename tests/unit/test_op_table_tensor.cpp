// Every op in detail::elementwise_ops on tensors: a unary op on a [3, 4] variable, a binary
// op on [3, 4] with a [4] row broadcast over it (and the reverse order), each through the
// fused kernel (SIMD batches), against finite differences of the values; operands drawn
// from the op's domain. The scalar cases are in test_op_table.cpp.
#include "tensor_check.hpp"

namespace {

template <class T, class Op>
T draw(ttest::sampler& s, const tt::detail::shape_vec& shape, int k) {
  const auto iv = k == 0 ? Op::domain.a : Op::domain.b;
  const double w = iv.hi - iv.lo;
  return ttest::random_tensor<T>(s, shape, iv.lo + 0.01 * w, iv.hi - 0.01 * w);
}

}  // namespace

TEST_CASE(
    "every elementwise op on tensors, with broadcasting: gradients against finite differences") {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  tt::detail::for_each_elementwise_op([]<class Op>(Op) {
    INFO("op ", Op::name);
    ttest::sampler s;
    if constexpr (tt::detail::is_binary_op<Op>) {
      tt::variable<"a", T2> a{draw<T2, Op>(s, {3, 4}, 0)};
      tt::variable<"b", T1> b{draw<T1, Op>(s, {4}, 1)};
      ttest::tensor_gradcheck(tt::detail::make<Op>(a, b), a, b);
      // the row first: the broadcast operand on the left
      tt::variable<"c", T1> c{draw<T1, Op>(s, {4}, 0)};
      tt::variable<"d", T2> d{draw<T2, Op>(s, {3, 4}, 1)};
      ttest::tensor_gradcheck(tt::detail::make<Op>(c, d), c, d);
    } else {
      tt::variable<"a", T2> a{draw<T2, Op>(s, {3, 4}, 0)};
      ttest::tensor_gradcheck(tt::detail::make<Op>(a), a);
      // inside a fused region with a scalar variable, summed (the region's summing path)
      tt::variable<"s"> sc{0.5};
      ttest::tensor_gradcheck(tt::sum(tt::detail::make<Op>(a) * sc), a, sc);
    }
  });
}
