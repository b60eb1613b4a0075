// Exercise 19: reductions and axes
//
// tt::sum, tt::mean, tt::reduce_max, tt::reduce_min, tt::prod and tt::log_sum_exp reduce
// over every element, or along one axis: tt::mean<1>(a) of a matrix is the mean of each
// row (axes count from 0; -1 is the last). The rank of a tensor is part of its type, so an
// axis it does not have is a compile error, not a run-time exception. The gradient of
// reduce_max goes to the largest element (ties share it, as in TensorFlow).
//
// TODO: the loss should compare each row's mean with the target. Pick the right axis.
//
// shipped: TT-E13
// expect: dloss/da = (0.6666666667, 0.6666666667, 0.6666666667, -1, -1, 0)
// hint: a has axes 0 (rows) and 1 (columns); a row's mean runs along axis 1: tt::mean<1>(a),
// hint: or tt::mean<-1>(a).
#include <cstdio>
#include <typetape/tensor.hpp>

int main() {
  using T1 = xt::xtensor<double, 1>;
  using T2 = xt::xtensor<double, 2>;
  tt::variable<"a", T2> a{T2{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}};
  const T1 target{1.0, 6.5};
  // TODO: each row's mean
  auto loss = tt::sum(tt::square(tt::mean<2>(a) - target)) + tt::reduce_max(a);
  const T2 g = tt::gradient(loss, a);
  std::printf("dloss/da = (%.10g, %.10g, %.10g, %.10g, %.10g, %.10g)\n", g(0, 0), g(0, 1), g(0, 2),
              g(1, 0), g(1, 1), g(1, 2));
}
