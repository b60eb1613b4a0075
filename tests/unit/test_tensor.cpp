// Tensor values: fused elementwise ops with broadcasting, reductions, shape ops,
// matmul, conv2d, softmax and losses, against finite differences; shape errors.
#include <limits>
#include <typetape/tensor.hpp>

#include "tensor_check.hpp"

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using T4 = xt::xtensor<double, 4>;
using ttest::random_tensor;
namespace {
/// x U + h W by plain loops (the oracle of the product-sum test).
xt::xtensor<double, 2> products_by_loops(const xt::xtensor<double, 2>& x,
                                         const xt::xtensor<double, 2>& u,
                                         const xt::xtensor<double, 2>& h,
                                         const xt::xtensor<double, 2>& w) {
  xt::xtensor<double, 2> r = xt::zeros<double>({x.shape()[0], u.shape()[1]});
  for (std::size_t i = 0; i < r.shape()[0]; ++i)
    for (std::size_t j = 0; j < r.shape()[1]; ++j) {
      for (std::size_t k = 0; k < x.shape()[1]; ++k) r(i, j) += x(i, k) * u(k, j);
      for (std::size_t k = 0; k < h.shape()[1]; ++k) r(i, j) += h(i, k) * w(k, j);
    }
  return r;
}
}  // namespace
using ttest::tensor_gradcheck;

namespace {
ttest::sampler rng{std::mt19937_64{42}};
using ttest::thrown;
}  // namespace

TEST_CASE("unary elementwise ops on a tensor match finite differences") {
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {3, 5}, 0.2, 1.5)};  // inside every domain
  tensor_gradcheck(tt::exp(a), a);
  tensor_gradcheck(tt::log(a), a);
  tensor_gradcheck(tt::sqrt(a), a);
  tensor_gradcheck(tt::sin(a), a);
  tensor_gradcheck(tt::cos(a), a);
  tensor_gradcheck(tt::tan(a * 0.5), a);
  tensor_gradcheck(tt::tanh(a), a);
  tensor_gradcheck(tt::sigmoid(a - 0.7), a);
  tensor_gradcheck(tt::relu(a - 0.85), a);
  tensor_gradcheck(tt::abs(a - 0.85), a);
  tensor_gradcheck(tt::square(a), a);
  tensor_gradcheck(tt::log1p(a), a);
  tensor_gradcheck(tt::expm1(a), a);
  tensor_gradcheck(tt::erf(a), a);
  tensor_gradcheck(-a, a);
}

TEST_CASE("binary elementwise ops broadcast, and their adjoints sum back to each shape") {
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {3, 4}, 0.5, 1.5)};
  tt::variable<"r", T1> r{random_tensor<T1>(rng, {4}, 0.5, 1.5)};     // a row
  tt::variable<"c", T2> c{random_tensor<T2>(rng, {3, 1}, 0.5, 1.5)};  // a column
  tt::variable<"u", T2> u{random_tensor<T2>(rng, {1, 1}, 0.5, 1.5)};  // size 1, rank 2
  tt::variable<"s"> s{0.8};                                           // a scalar
  tensor_gradcheck(a + r, a, r);
  tensor_gradcheck(a - c, a, c);
  tensor_gradcheck(c * r, c, r);  // (3,1) x (4,) -> (3,4): both operands broadcast
  tensor_gradcheck(a / u, a, u);
  tensor_gradcheck(s * a + r / s, s, a, r);
  tensor_gradcheck(tt::pow(a, r), a, r);
  tensor_gradcheck(tt::max(a, r), a, r);
  tensor_gradcheck(tt::min(c, a), c, a);
  tensor_gradcheck(tt::atan2(a, c), a, c);
  tensor_gradcheck(2.0 * a * a - 3.0, a);
  tensor_gradcheck(a * a * a, a);  // one input used three times in one region
}

TEST_CASE(
    "bias-like inputs (the result's last axes) read in place: periods 16 and 32, double and "
    "float") {
  // a multiple of any lane width, so the in-place mode runs whatever the target
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {5, 32})};
  tt::variable<"b", T1> b{random_tensor<T1>(rng, {32})};
  tensor_gradcheck(tt::tanh(a * b + b), b);
  tensor_gradcheck(tt::tanh(a * b + b), a);
  tt::variable<"c", T3> c{random_tensor<T3>(rng, {3, 2, 16})};
  tt::variable<"d", T2> d{random_tensor<T2>(rng, {2, 16})};
  tensor_gradcheck(tt::sum(tt::square(c - d)), d);
  tt::variable<"r", T2> r{random_tensor<T2>(rng, {1, 16})};
  tensor_gradcheck(tt::sin(c * r), r);
  using F2 = xt::xtensor<float, 2>;
  using F1 = xt::xtensor<float, 1>;
  F2 xv = F2::from_shape({4, 16});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = 0.25f * float(k % 7) - 0.5f;
  tt::variable<"w", F1> w{F1(xt::ones<float>({16}))};
  const F1 gw = tt::gradient(tt::sum(xv * w), w);  // column sums of xv
  for (std::size_t j = 0; j < 16; ++j) {
    float col = 0;
    for (std::size_t i = 0; i < 4; ++i) col += xv(i, j);
    CHECK(gw(j) == doctest::Approx(col).epsilon(1e-6));
  }
}

TEST_CASE("broadcasting edge cases: rank 3 against rank 2, size-1 axes, empty axes") {
  tt::variable<"a", T3> a{random_tensor<T3>(rng, {2, 3, 4})};
  tt::variable<"b", T2> b{random_tensor<T2>(rng, {3, 1})};
  tt::variable<"d", T3> d{random_tensor<T3>(rng, {2, 1, 4})};
  tensor_gradcheck(tt::tanh(a * b + d), a, b, d);

  tt::variable<"e", T2> e{T2::from_shape({0, 3})};
  tt::variable<"f", T1> f{random_tensor<T1>(rng, {3})};
  const auto g = tt::gradient(tt::sum(e * f), std::tie(e, f));
  CHECK(std::get<0>(g).shape() == std::array<std::size_t, 2>{0, 3});
  CHECK(std::get<1>(g) == T1{0, 0, 0});  // summed over an empty axis
}

TEST_CASE("random broadcasting shapes: every adjoint sums back to its operand's shape") {
  // 12 random pairs of rank-3 shapes that broadcast: each axis of each operand is the
  // common extent or 1, at random, so size-1 axes appear on either side or both.
  ttest::sampler s{std::mt19937_64{3}};
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<std::size_t> full(3), sa(3), sb(3);
    for (std::size_t k = 0; k < 3; ++k) {
      full[k] = 1 + static_cast<std::size_t>(s(0, 3));
      sa[k] = s(0, 1) < 0.4 ? 1 : full[k];
      sb[k] = s(0, 1) < 0.4 ? 1 : full[k];
    }
    INFO("shapes ", tt::detail::shape_str(sa), " and ", tt::detail::shape_str(sb));
    tt::variable<"a", T3> a{random_tensor<T3>(s, sa, 0.5, 1.5)};
    tt::variable<"b", T3> b{random_tensor<T3>(s, sb, 0.5, 1.5)};
    tensor_gradcheck(a * b + tt::sin(a) / b, a, b);
  }
}

TEST_CASE("a fused region gives the same values as the scalar ops, elementwise") {
  const T2 x0 = random_tensor<T2>(rng, {5, 7});
  tt::variable<"x", T2> x{x0};
  const T2 y = tt::eval(tt::sigmoid(x) * tt::exp(-x * x) + 1.5);
  for (std::size_t i = 0; i < x0.size(); ++i) {
    const double v = x0.data()[i];
    CHECK(y.data()[i] ==
          doctest::Approx(1 / (1 + std::exp(-v)) * std::exp(-v * v) + 1.5).epsilon(1e-15));
  }
}

TEST_CASE("where and comparisons on tensors route the gradient by element") {
  tt::variable<"a", T1> a{T1{-1.0, 0.5, 2.0, -3.0}};
  const T1 g = tt::gradient(tt::sum(tt::where(a > 0.0, a * a, -a)), a);
  CHECK(g == T1{-1.0, 1.0, 4.0, -1.0});  // 2a where a > 0, else -1
}

TEST_CASE("reductions match finite differences, over everything and along each axis") {
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {3, 4}, 0.5, 1.5)};
  tt::variable<"b", T3> b{random_tensor<T3>(rng, {2, 3, 4}, 0.5, 1.5)};
  tensor_gradcheck(tt::sum(a), a);
  tensor_gradcheck(tt::sum<0>(a), a);
  tensor_gradcheck(tt::sum<-1>(a), a);
  tensor_gradcheck(tt::mean(a), a);
  tensor_gradcheck(tt::mean<1>(b), b);
  tensor_gradcheck(tt::reduce_max(a), a);
  tensor_gradcheck(tt::reduce_max<0>(a), a);
  tensor_gradcheck(tt::reduce_min<2>(b), b);
  tensor_gradcheck(tt::prod(a), a);
  tensor_gradcheck(tt::prod<1>(b), b);
  tensor_gradcheck(tt::log_sum_exp(a), a);
  tensor_gradcheck(tt::log_sum_exp<1>(a), a);
  tensor_gradcheck(tt::log_sum_exp<0>(b), b);
}

TEST_CASE("reductions at their edges: ties, zeros, huge values") {
  tt::variable<"a", T1> a{T1{1.0, 3.0, 3.0, 2.0}};
  CHECK(tt::gradient(tt::reduce_max(a), a) == T1{0.0, 0.5, 0.5, 0.0});  // ties share, as TF
  tt::variable<"p", T1> p{T1{2.0, 0.0, 5.0}};
  CHECK(tt::gradient(tt::prod(p), p) == T1{0.0, 10.0, 0.0});  // exact at a zero factor
  tt::variable<"h", T1> h{T1{1000.0, 1000.0}};
  CHECK(tt::eval(tt::log_sum_exp(h)) == doctest::Approx(1000.0 + std::log(2.0)));
  const T1 gh = tt::gradient(tt::log_sum_exp(h), h);
  CHECK(gh(0) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(gh(1) == doctest::Approx(0.5).epsilon(1e-15));
  tt::variable<"n", T1> n{T1{1.0, std::nan(""), 2.0}};
  CHECK(std::isnan(tt::eval(tt::reduce_max(n))));
}

TEST_CASE("shape ops put the adjoint back where each element came from") {
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {3, 4})};
  tt::variable<"b", T2> b{random_tensor<T2>(rng, {2, 4})};
  tt::variable<"c", T3> c{random_tensor<T3>(rng, {2, 3, 4})};
  tt::variable<"r", T1> r{random_tensor<T1>(rng, {4})};
  tensor_gradcheck(tt::reshape(a, {2, 6}) * 1.5, a);
  tensor_gradcheck(tt::reshape(c, {24}), c);
  tensor_gradcheck(tt::transpose(a), a);
  tensor_gradcheck(tt::transpose<1, 2, 0>(c), c);
  tensor_gradcheck(tt::slice(a, {1, 3}, {0, 4, 2}), a);
  tensor_gradcheck(tt::slice(c, {1, 2}), c);
  tensor_gradcheck(tt::concatenate<0>(a, b), a, b);
  tensor_gradcheck(tt::concatenate<1>(tt::transpose(a), tt::transpose(b)), a, b);
  tensor_gradcheck(tt::stack<0>(r, r * 2.0), r);
  tensor_gradcheck(tt::stack<1>(a, a * a), a);
  tensor_gradcheck(tt::broadcast_to(r, {3, 4}), r);
  const T2 s = tt::eval(tt::slice(a, {1, 3}, {0, 4, 2}));  // NumPy's a[1:3, 0:4:2]
  CHECK(s == T2{{a.get()(1, 0), a.get()(1, 2)}, {a.get()(2, 0), a.get()(2, 2)}});
  CHECK(tt::eval(tt::concatenate<1>(b, b)) == T2(xt::concatenate(xt::xtuple(b.get(), b.get()), 1)));
  CHECK(tt::eval(tt::stack<1>(r, r)) == T2(xt::stack(xt::xtuple(r.get(), r.get()), 1)));
}

// matmul(a, b) + matmul(c, d) is one node (the second GEMM adds into the first's result, one
// adjoint for both): every operand's gradient against finite differences, each operand a
// variable (its adjoint written in place) or an expression; a product broadcast against the
// other; shapes that cannot broadcast throw what `+` throws.
TEST_CASE("a sum of two matrix products: one node, the gradients of all four operands") {
  tt::variable<"x", T2> x{random_tensor<T2>(rng, {4, 3})};
  tt::variable<"U", T2> U{random_tensor<T2>(rng, {3, 5})};
  tt::variable<"h", T2> h{random_tensor<T2>(rng, {4, 2})};
  tt::variable<"W", T2> W{random_tensor<T2>(rng, {2, 5})};
  auto s = tt::matmul(x, U) + tt::matmul(h, W);
  static_assert(std::is_same_v<decltype(s)::value_type, T2>);
  static_assert(std::tuple_size_v<decltype(s.kids)> == 4);  // one node of the four operands
  tensor_gradcheck(tt::tanh(s), x, U, h, W);
  tensor_gradcheck(tt::tanh(tt::matmul(tt::sin(x), U) + tt::matmul(h, tt::exp(W))), x, U, h, W);
  const T2 direct = products_by_loops(x.get(), U.get(), h.get(), W.get());
  CHECK(xt::allclose(tt::eval(s), direct, 1e-14, 1e-14));
  // (1, 5) + (4, 5): the first product broadcast, its adjoint summed over the rows
  tt::variable<"r", T2> r{random_tensor<T2>(rng, {1, 3})};
  tensor_gradcheck(tt::tanh(tt::matmul(r, U) + tt::matmul(h, W)), r, U, h, W);
  tensor_gradcheck(tt::tanh(tt::matmul(h, W) + tt::matmul(r, U)), r, U, h, W);
  // one variable in both products: its two adjoints added where it lies
  tt::variable<"z", T2> z{random_tensor<T2>(rng, {4, 3})};
  tensor_gradcheck(tt::tanh(tt::matmul(x, U) + tt::matmul(z, U)), x, U, z);
  tensor_gradcheck(tt::tanh(tt::matmul(x, U) + tt::matmul(x, U)), x, U);
  tt::variable<"y", T2> y{random_tensor<T2>(rng, {3, 3})};
  CHECK(thrown([&] { tt::eval(tt::matmul(x, U) + tt::matmul(y, U)); }) ==
        "TT-E12: add (+): shapes cannot broadcast: (4, 5) and (3, 5).");
}

TEST_CASE("matmul: matrix, matrix-vector, vector-matrix and dot products") {
  tt::variable<"A", T2> A{random_tensor<T2>(rng, {3, 4})};
  tt::variable<"B", T2> B{random_tensor<T2>(rng, {4, 5})};
  tt::variable<"x", T1> x{random_tensor<T1>(rng, {4})};
  tt::variable<"y", T1> y{random_tensor<T1>(rng, {3})};
  tensor_gradcheck(tt::matmul(A, B), A, B);
  tensor_gradcheck(tt::matmul(A, x), A, x);
  tensor_gradcheck(tt::matmul(y, A), y, A);
  tensor_gradcheck(tt::dot(x, x * 2.0), x);
  // forward value against a plain triple loop
  const T2 C = tt::eval(tt::matmul(A, B));
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 5; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < 4; ++k) s += A.get()(i, k) * B.get()(k, j);
      CHECK(C(i, j) == doctest::Approx(s).epsilon(1e-14));
    }
  // a matrix times a vector and a vector times a matrix (GEMV), their gradients (GEMV and
  // an outer product), against loops
  const T1 Ax = tt::eval(tt::matmul(A, x)), yA = tt::eval(tt::matmul(y, A));
  for (std::size_t i = 0; i < 3; ++i) {
    double s = 0;
    for (std::size_t k = 0; k < 4; ++k) s += A.get()(i, k) * x.get()(k);
    CHECK(Ax(i) == doctest::Approx(s).epsilon(1e-14));
  }
  for (std::size_t k = 0; k < 4; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < 3; ++i) s += y.get()(i) * A.get()(i, k);
    CHECK(yA(k) == doctest::Approx(s).epsilon(1e-14));
  }
  const T1 w{0.5, -1.25, 2.0};  // d (w . A x) / dA = w x^T, / dx = A^T w
  const auto [gA, gx] = tt::gradient(tt::matmul(A, x), std::tie(A, x), tt::output_gradients(w));
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t k = 0; k < 4; ++k) CHECK(gA(i, k) == w(i) * x.get()(k));
  for (std::size_t k = 0; k < 4; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < 3; ++i) s += A.get()(i, k) * w(i);
    CHECK(gx(k) == doctest::Approx(s).epsilon(1e-14));
  }
}

TEST_CASE("float tensors: fused ops and matmul in single precision") {
  using F2 = xt::xtensor<float, 2>;
  tt::variable<"A", F2> A{random_tensor<F2>(rng, {3, 4})};
  tt::variable<"B", F2> B{random_tensor<F2>(rng, {4, 2})};
  tensor_gradcheck(tt::tanh(tt::matmul(A, B)) * 2.0, ttest::tolerance{2e-3, 0}, A, B);
  using F1 = xt::xtensor<float, 1>;  // single-precision GEMV and outer product
  tt::variable<"v", F1> v{random_tensor<F1>(rng, {4})};
  tensor_gradcheck(tt::tanh(tt::matmul(A, v)), ttest::tolerance{2e-3, 0}, A, v);
}

TEST_CASE("dense layer: sum(tanh(W x + b)^2) against the analytic gradient") {
  tt::variable<"W", T2> W{random_tensor<T2>(rng, {6, 5})};
  tt::variable<"b", T1> b{random_tensor<T1>(rng, {6})};
  const T1 x = random_tensor<T1>(rng, {5});
  const auto [gW, gb] =
      tt::gradient(tt::sum(tt::square(tt::tanh(tt::matmul(W, x) + b))), std::tie(W, b));
  for (std::size_t i = 0; i < 6; ++i) {
    double z = b.get()(i);
    for (std::size_t k = 0; k < 5; ++k) z += W.get()(i, k) * x(k);
    const double t = std::tanh(z), dz = 2 * t * (1 - t * t);
    CHECK(gb(i) == doctest::Approx(dz).epsilon(1e-13));
    for (std::size_t k = 0; k < 5; ++k)
      CHECK(gW(i, k) == doctest::Approx(dz * x(k)).epsilon(1e-13));
  }
}

TEST_CASE("conv2d NHWC: SAME and VALID padding, strides 1 and 2, both gradients") {
  tt::variable<"x", T4> x{random_tensor<T4>(rng, {2, 5, 6, 3})};
  tt::variable<"k", T4> k{random_tensor<T4>(rng, {3, 3, 3, 4})};
  tensor_gradcheck(tt::conv2d(x, k), x, k);
  tensor_gradcheck(tt::conv2d(x, k, {.stride = 2, .pad = tt::padding::same}), x, k);
  tensor_gradcheck(tt::conv2d(x, k, {.stride = 1, .pad = tt::padding::same, .stride_w = 2}), x, k);
  tt::variable<"k2", T4> k2{random_tensor<T4>(rng, {2, 4, 3, 2})};
  tensor_gradcheck(tt::conv2d(x, k2, {.stride = 2, .pad = tt::padding::same}), x, k2);
  CHECK(tt::eval(tt::conv2d(x, k)).shape() == std::array<std::size_t, 4>{2, 3, 4, 4});
  CHECK(tt::eval(tt::conv2d(x, k, {.stride = 2, .pad = tt::padding::same})).shape() ==
        std::array<std::size_t, 4>{2, 3, 3, 4});
}

// The filters' gradient comes from the im2col matrix the forward pass kept, or, above
// conv2d_op::kept_bytes (16 MiB), from one the VJP makes again: both against the sum each
// filter tap sees, d sum(conv2d(x, k)) / d k[ky, kx, c, f] = sum of x[y + ky, x + kx, c] over
// the VALID output pixels.
TEST_CASE("conv2d: the filters' gradient from the kept im2col matrix and from a new one") {
  for (const std::size_t side : {9, 128}) {  // 9x9: kept; 128x128x16: 18 MiB, made again
    tt::variable<"x", T4> x{random_tensor<T4>(rng, {1, side, side, 16})};
    tt::variable<"k", T4> k{random_tensor<T4>(rng, {3, 3, 16, 2})};
    auto tape = tt::record<tt::persistent>(tt::sum(tt::conv2d(x, k)));
    for (int twice = 0; twice < 2; ++twice) {  // the kept matrix is read, not used up
      const T4 gk = tape.gradient(tt::sum(tt::conv2d(x, k)), k);
      for (std::size_t ky = 0; ky < 3; ++ky)
        for (std::size_t kx = 0; kx < 3; ++kx)
          for (std::size_t c = 0; c < 16; c += 5) {
            double s = 0;
            for (std::size_t oy = 0; oy + 2 < side; ++oy)
              for (std::size_t ox = 0; ox + 2 < side; ++ox) s += x.get()(0, oy + ky, ox + kx, c);
            CHECK(gk(ky, kx, c, 0) == doctest::Approx(s).epsilon(1e-11));
            CHECK(gk(ky, kx, c, 1) == doctest::Approx(s).epsilon(1e-11));
          }
    }
    // a copy of the tape keeps a matrix of its own: the original's goes back to the thread's
    // shelf when it is destroyed, and the next recording takes it and writes over it
    const T4 before = tape.gradient(tt::sum(tt::conv2d(x, k)), k);
    auto copy = [&] {
      auto original = tape;
      return decltype(tape)(original);
    }();
    const T4 other = tt::gradient(tt::sum(tt::conv2d(x * 2.0, k)), k);
    CHECK(copy.gradient(tt::sum(tt::conv2d(x, k)), k) == before);
    CHECK(xt::allclose(other, before * 2.0, 1e-13, 1e-13));
  }
}

TEST_CASE("softmax, log_softmax, cross-entropy and mse") {
  tt::variable<"z", T2> z{random_tensor<T2>(rng, {4, 5}, -2, 2)};
  tt::variable<"t", T2> t{random_tensor<T2>(rng, {4, 5}, 0, 1)};
  tensor_gradcheck(tt::softmax(z), z);
  tensor_gradcheck(tt::softmax<0>(z), z);
  tensor_gradcheck(tt::log_softmax(z), z);
  tensor_gradcheck(tt::cross_entropy(z, t), z, t);
  tensor_gradcheck(tt::mse(tt::tanh(z), t), z, t);
  const T2 p = tt::eval(tt::softmax(z));
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(xt::sum(xt::row(p, static_cast<std::ptrdiff_t>(i)))() == doctest::Approx(1.0));
}

TEST_CASE("fixed-shape tensors keep their type through a fused region") {
  using F = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
  tt::variable<"a", F> a{F{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}};
  auto y = tt::sin(a) * a;
  static_assert(std::is_same_v<decltype(y)::value_type, F>);
  tensor_gradcheck(y, a);
  const F g = tt::gradient(tt::sum(y), a);
  CHECK(g(1, 2) == doctest::Approx(std::cos(6.0) * 6.0 + std::sin(6.0)));
}

TEST_CASE("bad shapes throw an error that names the op and both shapes") {
  tt::variable<"a", T2> a{T2::from_shape({2, 3})};
  tt::variable<"b", T2> b{T2::from_shape({4, 5})};
  tt::variable<"v", T1> v{T1::from_shape({4})};
  CHECK(thrown([&] { tt::eval(a + v); }) ==
        "TT-E12: add (+): shapes cannot broadcast: (2, 3) and (4,).");
  CHECK(thrown([&] { tt::eval(tt::exp(a) * b); }) ==
        "TT-E12: multiply (*): shapes cannot broadcast: (2, 3) and (4, 5).");
  CHECK(thrown([&] { tt::eval(tt::matmul(a, b)); }) ==
        "TT-E12: matmul: inner dimensions differ: (2, 3) and (4, 5).");
  CHECK(thrown([&] {
          tt::eval(tt::reshape(a, {4, 2}));
        }) == "TT-E12: reshape: sizes differ: (2, 3) and (4, 2).");
  CHECK(thrown([&] {
          tt::eval(tt::slice(a, {0, 3}));
        }).starts_with("TT-E12: slice: range out of bounds"));
  CHECK(thrown([&] { tt::eval(tt::concatenate<0>(a, b)); }) ==
        "TT-E12: concatenate: shapes do not fit: (2, 3) and (4, 5).");
  tt::variable<"x", T4> x{T4::from_shape({1, 4, 4, 3})};
  tt::variable<"k", T4> k{T4::from_shape({3, 3, 2, 8})};
  CHECK(thrown([&] { tt::eval(tt::conv2d(x, k)); }) ==
        "TT-E12: conv2d: input channels (NHWC) and filter channels (HWCF) differ: (1, 4, 4, 3) and "
        "(3, 3, 2, 8).");
  const T2 wrong = T2::from_shape({3, 2});
  CHECK(thrown([&] { tt::gradient(a * 2.0, a, tt::output_gradients(wrong)); }) ==
        "TT-E12: output_gradients: shapes differ: (2, 3) and (3, 2).");
}

TEST_CASE(
    "log_sum_exp along long unit-stride lines (the SIMD path, with its tail) against long double") {
  // 37 elements: whole batches and a tail on any vector width; large and -inf entries
  for (const int len : {1, 2, 7, 37}) {
    T1 v = random_tensor<T1>(rng, {std::size_t(len)});
    for (int i = 0; i < len; ++i) v(i) = 700.0 + 30.0 * v(i);
    if (len > 2) v(1) = -std::numeric_limits<double>::infinity();
    long double m = -INFINITY, s = 0;
    for (double x : v) m = std::max<long double>(m, x);
    for (double x : v) s += std::exp(static_cast<long double>(x) - m);
    tt::variable<"v", T1> var{v};
    CHECK(tt::eval(tt::log_sum_exp(var)) ==
          doctest::Approx(double(m + std::log(s))).epsilon(1e-15));
    const T1 g = tt::gradient(tt::log_sum_exp(var), var);
    for (int i = 0; i < len; ++i) {
      const double want = double(std::exp(static_cast<long double>(v(i)) - m) / s);
      if (want == 0)
        CHECK(g(i) == 0.0);  // the -inf entry
      else
        CHECK(g(i) == doctest::Approx(want).epsilon(1e-14).scale(0));
    }
  }
  tt::variable<"f", xt::xtensor<float, 1>> f{xt::xtensor<float, 1>{1.f, 2.f, 3.f, 4.f, 5.f}};
  const float e =
      std::log(std::exp(1.f) + std::exp(2.f) + std::exp(3.f) + std::exp(4.f) + std::exp(5.f));
  CHECK(tt::eval(tt::log_sum_exp(f)) == doctest::Approx(e).epsilon(1e-6));
  tt::variable<"n", T1> n{T1{1.0, std::nan(""), 2.0, 3.0, 4.0}};
  CHECK(std::isnan(tt::eval(tt::log_sum_exp(n))));
}

TEST_CASE("w += g and w -= g on tensor variables: in place for one shape, broadcast otherwise") {
  tt::variable<"w", T2> w{T2{{1.0, 2.0}, {3.0, 4.0}}};
  const auto v0 = w.version();
  w += T2{{0.5, 0.5}, {1.0, 1.0}};
  CHECK(w.get() == T2{{1.5, 2.5}, {4.0, 5.0}});
  w -= T2{{0.5, 0.5}, {1.0, 1.0}};
  CHECK(w.get() == T2{{1.0, 2.0}, {3.0, 4.0}});
  w -= T1{1.0, 2.0};  // broadcast: through xtensor
  CHECK(w.get() == T2{{0.0, 0.0}, {2.0, 2.0}});
  w += 0.5 * w.get();  // an expression reading w itself
  CHECK(w.get() == T2{{0.0, 0.0}, {3.0, 3.0}});
  w += w.get();  // the same tensor: elementwise, so in place is right
  CHECK(w.get() == T2{{0.0, 0.0}, {6.0, 6.0}});
  w -= xt::transpose(w.get());  // reads other elements: must not be in place
  CHECK(w.get() == T2{{0.0, -6.0}, {6.0, 0.0}});
  CHECK(w.version() == v0 + 6);
  tt::variable<"v", T1> v{T1{10.0, 20.0}};
  v -= xt::xtensor<unsigned, 1>{3u, 4u};  // in place: a subtraction, not + (-1 * 3u), which wraps
  CHECK(v.get() == T1{7.0, 16.0});
}

TEST_CASE("a tensor variable changed after recording makes gradient() throw (TT-E11)") {
  tt::variable<"w", T1> w{T1{1.0, 2.0}};
  auto y = tt::sum(w * w);
  auto t = tt::record<tt::persistent>(y);
  CHECK(t.gradient(y, w) == T1{2.0, 4.0});
  w = T1{3.0, 4.0};
  CHECK(thrown([&] {
          (void)t.gradient(y, w);
        }).starts_with("TT-E11: the variable \"w\" was assigned"));
  CHECK(tt::gradient(y, w) == T1{6.0, 8.0});  // a new recording sees the new value
}

TEST_CASE("output_gradients on a tensor target weighs each element") {
  tt::variable<"a", T1> a{T1{1.0, 2.0, 3.0}};
  const T1 g = tt::gradient(a * a, a, tt::output_gradients(T1{1.0, 0.0, -1.0}));
  CHECK(g == T1{2.0, 0.0, -6.0});
}

TEST_CASE("unconnected::zero gives a zero tensor of the source's shape") {
  tt::variable<"a", T2> a{T2::from_shape({2, 2})};
  tt::variable<"b", T1> b{T1{1.0, 2.0, 3.0}};
  const auto [ga, gb] = tt::gradient(tt::sum(b), std::tie(a, b), tt::unconnected::zero);
  CHECK(ga == T2{{0.0, 0.0}, {0.0, 0.0}});
  CHECK(gb == T1{1.0, 1.0, 1.0});
}

TEST_CASE("seed 003: conv2d on a constant input; the gradient w.r.t. the named conv output") {
  // input_data is a constant; conv_filter a variable; convOutputs named with let.
  const T4 input = random_tensor<T4>(rng, {1, 6, 6, 3});
  tt::variable<"conv_filter", T4> filter{random_tensor<T4>(rng, {3, 3, 3, 10})};
  auto conv = tt::let<"convOutputs">(tt::conv2d(input, filter, {.pad = tt::padding::same}));
  auto loss = tt::mean(tt::square(conv));
  auto tape = tt::record<tt::persistent>(loss);
  const T4 g_conv = tape.gradient(loss, conv);
  const T4 c = tt::eval(tt::conv2d(input, filter, {.pad = tt::padding::same}));
  REQUIRE(g_conv.shape() == c.shape());
  for (std::size_t i = 0; i < c.size(); ++i)  // d mean(c^2) / dc = 2c / size
    CHECK(g_conv.data()[i] == doctest::Approx(2 * c.data()[i] / double(c.size())).epsilon(1e-14));
  tensor_gradcheck(loss, filter);
}

TEST_CASE("seed 004 with tensors: the RNN-like output, cast to float, keeps its gradient") {
  tt::variable<"W", T2> W{random_tensor<T2>(rng, {4, 4})};
  const T1 x = random_tensor<T1>(rng, {4});
  auto output = tt::tanh(tt::matmul(W, x));
  tensor_gradcheck(tt::sum(tt::cast<double>(output)), W);
}

TEST_CASE("a fused chain stores one tensor, not one per node; a summed chain stores none") {
  tt::variable<"a", T2> a{random_tensor<T2>(rng, {4, 8})};
  tt::variable<"b", T1> b{random_tensor<T1>(rng, {8})};
  auto chain = tt::tanh(a * 2.0 + b) * tt::exp(-a);  // 6 elementwise nodes
  using R = decltype(chain)::record;
  // the record: the result, and the region's three inputs (a, b, a), each a pointer
  // and a version; no intermediate tensor
  static_assert(std::tuple_size_v<decltype(R{}.f)> == 3);
  static_assert(sizeof(R) == sizeof(T2) + 3 * sizeof(decltype(std::get<0>(R{}.f))));
  // tt::sum of it never fills that one tensor either
  auto loss = tt::sum(chain);
  static_assert(decltype(loss)::sums_region);
  auto t = tt::record<tt::persistent>(loss);
  const double direct = [&] {
    double s = 0;
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 8; ++j)
        s += std::tanh(a.get()(i, j) * 2.0 + b.get()(j)) * std::exp(-a.get()(i, j));
    return s;
  }();
  CHECK(t.value() == doctest::Approx(direct).epsilon(1e-14));
  tensor_gradcheck(loss, a, b);
  tensor_gradcheck(tt::mean(chain), a, b);
}

TEST_CASE("a view or a column-major tensor in an expression is read in its own order") {
  const T2 B{{1.0, 2.0}, {3.0, 4.0}};
  tt::variable<"r", T1> r{T1{1.0, 1.0}};
  CHECK(tt::eval(r * xt::view(B, 1)) == T1{3.0, 4.0});  // row 1, not the buffer's start
  tt::variable<"w", T2> w{T2{{1.0, 0.5}, {0.0, 2.0}}};
  const T2 wt = tt::eval(tt::matmul(xt::transpose(B), w));  // B^T w
  CHECK(wt == T2{{1.0, 6.5}, {2.0, 9.0}});
  using C2 = xt::xtensor<double, 2, xt::layout_type::column_major>;
  const C2 c = B;  // the same values, stored by columns
  CHECK(tt::eval(w * c) == T2{{1.0, 1.0}, {0.0, 8.0}});
}

TEST_CASE("casts inside a fused region round per element, in the SIMD lanes too") {
  tt::variable<"x", T1> x{T1{1.5, 2.5, 3.5, 4.5, 5.5, -1.5, 0.25, 7.75, 9.5}};
  const T1 t = tt::eval(tt::cast<double>(tt::cast<int>(x)));
  CHECK(t == T1{1.0, 2.0, 3.0, 4.0, 5.0, -1.0, 0.0, 7.0, 9.0});
  // d/dx sum(x * trunc(x)) = trunc(x): the cast detaches its operand, not the other factor
  CHECK(tt::gradient(tt::sum(x * tt::cast<double>(tt::cast<int>(x))), x) == t);
  const T1 f = tt::eval(tt::cast<double>(tt::cast<float>(x * 0.1)));
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f(i) == double(float(x.get()(i) * 0.1)));
}

TEST_CASE("reduce_max with a NaN: the gradient goes to the NaN, not nowhere") {
  tt::variable<"n", T1> n{T1{1.0, std::nan(""), 2.0}};
  const T1 g = tt::gradient(tt::reduce_max(n), n);
  CHECK(g(0) == 0.0);
  CHECK(g(1) == 1.0);
  CHECK(g(2) == 0.0);
}

TEST_CASE("round halves to even and sign keeps NaN in the fused SIMD loop too") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  tt::variable<"v", xt::xtensor<double, 1>> v{
      xt::xtensor<double, 1>{0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 4.5, 5.5, -7.5, 0.25, nan}};
  const xt::xtensor<double, 1> r = tt::eval(tt::round(v));
  const xt::xtensor<double, 1> want{0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0, 4.0, 6.0, -8.0, 0.0, nan};
  for (std::size_t i = 0; i + 1 < r.size(); ++i) CHECK(r(i) == want(i));
  CHECK(std::isnan(r(11)));
  const xt::xtensor<double, 1> g = tt::gradient(tt::sum(tt::abs(v)), v);
  CHECK(g(0) == 1.0);
  CHECK(g(3) == -1.0);
  CHECK(std::isnan(g(11)));  // sign(NaN) = NaN in the batches as in the scalar tail
}

TEST_CASE("a lazy xtensor expression mixed into an expression is evaluated into a constant") {
  // w * (c + 1.0) used to fall into xtensor's own operators and report a false TT-E09
  tt::variable<"w", xt::xtensor<double, 1>> w{xt::xtensor<double, 1>{1.0, 2.0, 3.0}};
  const xt::xtensor<double, 1> c{0.5, -1.0, 2.0};
  const xt::xtensor<double, 1> g = tt::gradient(tt::sum(w * (c + 1.0)), w);
  CHECK(g(0) == 1.5);
  CHECK(g(1) == 0.0);
  CHECK(g(2) == 3.0);
  const xt::xtensor<double, 1> g2 = tt::gradient(tt::sum(w * w - 2.0 * (c * c)), w);
  CHECK(g2(2) == 6.0);
  ttest::tensor_gradcheck(tt::sum(tt::sin(w * (c - 0.25)) + w / (c * c + 1.0)), w);
}

TEST_CASE("shapes whose element count overflows size_t throw, naming the shape") {
  using T2 = xt::xtensor<double, 2>;
  const std::size_t big = std::size_t{1} << 32;
  tt::variable<"one", T2> one{T2{{2.0}}};
  // broadcast_to (1, 1) -> (2^32, 2^32): 2^64 elements, which wrapped to 0 (a sum of 0)
  const std::string m = ttest::thrown([&] { (void)tt::eval(tt::broadcast_to(one, {big, big})); });
  CHECK(m.find("broadcast_to") != std::string::npos);
  CHECK(m.find("(4294967296, 4294967296)") != std::string::npos);
  // reshape of an empty tensor to (2^32, 2^32): the wrapped size matched 0
  tt::variable<"empty", T2> empty{T2::from_shape({0, 3})};
  const std::string r = ttest::thrown([&] { (void)tt::eval(tt::reshape(empty, {big, big})); });
  CHECK(r.find("reshape") != std::string::npos);
  CHECK(r.find("(4294967296, 4294967296)") != std::string::npos);
}

TEST_CASE("a slice with a step larger than its range has one element (NumPy), not zero") {
  using T1 = xt::xtensor<double, 1>;
  tt::variable<"v", T1> v{T1{1.0, 2.0, 3.0, 4.0}};
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  const T1 s = tt::eval(tt::slice(v, {1, 4, huge}));
  REQUIRE(s.size() == 1);
  CHECK(s(0) == 2.0);
  const T1 g = tt::gradient(tt::sum(tt::slice(v, {1, 4, huge}) * 3.0), v);
  CHECK(g(1) == 3.0);
  CHECK(g(0) == 0.0);
}

#if defined(__SANITIZE_ADDRESS__)
#define TT_TEST_HEAP_MEASURED 0  // the sanitizer's allocator does not report to mallinfo2
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_TEST_HEAP_MEASURED 0
#endif
#endif
#ifndef TT_TEST_HEAP_MEASURED
#define TT_TEST_HEAP_MEASURED 1
#include <malloc.h>
#endif

TEST_CASE(
    "a tensor let is stored once per recording, whatever its uses; a watched constant never") {
  // An 8 MiB let used by four reductions, and an 8 MiB watched constant: the tape holds the
  // let's value once (8 MiB; each use used to copy it: 48 MiB) and no copy of the constant.
  // The gradient is checked against the analytic one, after the tape has been moved (the
  // uses point into the tape's slot for the let, which must survive the move).
  const std::size_t n = std::size_t{1} << 20;
  tt::variable<"x", T1> x{xt::linspace<double>(-1, 1, n)};
  tt::constant<T1> c{T1(xt::linspace<double>(0.5, 1.5, n))};
  auto cw = tt::watch<"c">(c);
  auto h = tt::let<"h">(tt::exp(x));
  auto f = tt::sum(h) + tt::sum(h * cw) + tt::reduce_max(h) + tt::sum(tt::sin(h));
#if TT_TEST_HEAP_MEASURED
  const auto heap = [] {
    const auto m = mallinfo2();
    return double(m.uordblks + m.hblkhd) / double(1 << 20);
  };
  const double before = heap();
  auto first = tt::record(f);
  const double mib = heap() - before;
  INFO("tape holds ", mib, " MiB");
  CHECK(mib > 7.9);
  CHECK(mib < 8.5);
#else
  auto first = tt::record(f);
#endif
  auto tape = std::move(first);
  const auto [gx, gc] = std::move(tape).gradient(f, std::tie(x, cw));
  const T1& xv = x.get();
  const T1& cv = c.get();
  for (std::size_t i : {std::size_t{0}, n / 3, n - 1}) {
    const double e = std::exp(xv(i));
    const double dh = 1 + cv(i) + (i == n - 1 ? 1 : 0) + std::cos(e);  // reduce_max at the end
    CHECK(gx(i) == doctest::Approx(dh * e).epsilon(1e-12));
    CHECK(gc(i) == doctest::Approx(e).epsilon(1e-12));
  }
}

TEST_CASE("fixed shapes go through matmul and transpose, and their gradients are right") {
  // The shapes stay in the types (so a misfit bias after them is TT-E12 at compile time:
  // compile_fail/e12_fixed_through_matmul.cpp); the values are those of dynamic tensors.
  using F23 = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
  using F43 = xt::xtensor_fixed<double, xt::xshape<4, 3>>;
  using F4 = xt::xtensor_fixed<double, xt::xshape<4>>;
  tt::variable<"x", F23> x{F23(random_tensor<T2>(rng, {2, 3}, -1, 1))};
  tt::variable<"W", F43> W{F43(random_tensor<T2>(rng, {4, 3}, -1, 1))};
  F4 b{};
  b = random_tensor<T1>(rng, {4}, -1, 1);
  auto y = tt::matmul(x, tt::transpose(W)) + b;
  static_assert(std::is_same_v<decltype(tt::eval(tt::matmul(x, tt::transpose(W)))),
                               xt::xtensor_fixed<double, xt::xshape<2, 4>>>);
  static_assert(std::is_same_v<decltype(tt::eval(tt::transpose(W))),
                               xt::xtensor_fixed<double, xt::xshape<3, 4>>>);
  T2 expect = T2::from_shape({2, 4});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 4; ++j) {
      expect(i, j) = b(j);
      for (std::size_t k = 0; k < 3; ++k) expect(i, j) += x.get()(i, k) * W.get()(j, k);
    }
  CHECK(xt::allclose(tt::eval(y), expect, 1e-14, 1e-15));
  tensor_gradcheck(tt::sum(tt::tanh(y)), x, W);
}

TEST_CASE("fixed shapes go through reductions and tt::reshape<dims...>") {
  // A reduction along one axis of a fixed [2,3] is a fixed [3] or [2]; reshape<3, 2> gives a
  // fixed [3,2] from any operand of six elements (compile_fail/e12_fixed_through_reduction.cpp).
  using F23 = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
  tt::variable<"a", F23> a{F23(random_tensor<T2>(rng, {2, 3}, -1, 1))};
  tt::variable<"b", T2> b{random_tensor<T2>(rng, {3, 2}, -1, 1)};
  static_assert(
      std::is_same_v<decltype(tt::eval(tt::sum<0>(a))), xt::xtensor_fixed<double, xt::xshape<3>>>);
  static_assert(std::is_same_v<decltype(tt::eval(tt::reduce_max<-1>(a))),
                               xt::xtensor_fixed<double, xt::xshape<2>>>);
  static_assert(std::is_same_v<decltype(tt::eval(tt::reshape<3, 2>(b))),
                               xt::xtensor_fixed<double, xt::xshape<3, 2>>>);
  // the values: sums by loops, the reshape is row-major
  const auto col = tt::eval(tt::sum<0>(a));
  const auto row = tt::eval(tt::mean<1>(a));
  const auto flat = tt::eval(tt::reshape<6>(a));
  for (std::size_t j = 0; j < 3; ++j) CHECK(col(j) == a.get()(0, j) + a.get()(1, j));
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(row(i) == doctest::Approx((a.get()(i, 0) + a.get()(i, 1) + a.get()(i, 2)) / 3.0));
  for (std::size_t k = 0; k < 6; ++k) CHECK(flat(k) == a.get()(k / 3, k % 3));
  auto loss = tt::sum(tt::tanh(tt::sum<0>(a) * tt::log_sum_exp<1>(tt::reshape<3, 2>(b)))) +
              tt::sum(tt::reshape<2, 3>(b) * a);
  tensor_gradcheck(loss, a, b);
  // a run-time operand of another size throws, naming both shapes
  tt::variable<"c", T2> c{random_tensor<T2>(rng, {2, 2}, -1, 1)};
  CHECK_THROWS_WITH_AS(tt::eval(tt::reshape<6>(c)),
                       "TT-E12: reshape: sizes differ: (2, 2) and (6,). See docs/errors.md#tt-e12.",
                       tt::shape_error);
}

TEST_CASE(
    "tt::value_and_gradient of a tensor loss: the value by loops, the gradient as tt::gradient") {
  tt::variable<"W", xt::xtensor<double, 2>> W{xt::xtensor<double, 2>{{0.5, -1.0}, {2.0, 0.25}}};
  tt::variable<"b", xt::xtensor<double, 1>> b{xt::xtensor<double, 1>{0.1, -0.2}};
  const xt::xtensor<double, 2> x{{1.0, 2.0}, {-1.0, 0.5}, {0.0, 3.0}};
  auto loss = tt::sum(tt::square(tt::tanh(tt::matmul(x, W) + b)));
  double want = 0;  // sum over rows i and columns j of tanh(x_i . W_:j + b_j)^2
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      double z = b.get()(j);
      for (std::size_t k = 0; k < 2; ++k) z += x(i, k) * W.get()(k, j);
      want += std::tanh(z) * std::tanh(z);
    }
  const auto [v, g] = tt::value_and_gradient(loss, std::tie(W, b));
  CHECK(v == doctest::Approx(want).epsilon(1e-14));
  const auto [gW, gb] = tt::gradient(loss, std::tie(W, b));
  CHECK(std::get<0>(g) == gW);
  CHECK(std::get<1>(g) == gb);
  tensor_gradcheck(loss, W, b);
}

TEST_CASE("a sum whose value nothing reads is not summed forward, and its gradient is right") {
  // tt::gradient skips the forward sum of a region below + - and products with constants
  // (detail::unread_forward); where an op reads the sum's value (c / S, S * sigma, log S)
  // it must still be computed. Each gradient against its analytic form.
  const T1 d{0.5, -1.0, 2.5, 0.25, 1.75, -0.5, 3.0, 0.0, 1.0};  // more than one SIMD batch
  tt::variable<"mu"> mu{0.3};
  tt::variable<"sigma"> sigma{1.7};
  double S = 0, dS = 0;  // S = sum (d_i - mu)^2, dS = dS/dmu
  for (double v : d) S += (v - 0.3) * (v - 0.3), dS -= 2 * (v - 0.3);
  const double n = double(d.size()), s = 1.7;
  auto sq = [&] { return tt::sum(tt::square(d - mu)); };
  // skipped: linear in the sum
  auto f1 = -0.5 * sq() / (s * s) - n * tt::log(sigma);
  CHECK(tt::gradient(f1, mu) == doctest::Approx(-0.5 * dS / (s * s)).epsilon(1e-13));
  CHECK(tt::gradient(f1, sigma) == doctest::Approx(-n / s).epsilon(1e-13));
  auto f2 = -(sq() / 4.0) + 2.0 * sq() - sq() * 3.0;
  CHECK(tt::gradient(f2, mu) == doctest::Approx((-0.25 + 2.0 - 3.0) * dS).epsilon(1e-13));
  // read: the sum's value enters the gradient
  auto f3 = 5.0 / sq();
  CHECK(tt::gradient(f3, mu) == doctest::Approx(-5.0 / (S * S) * dS).epsilon(1e-13));
  auto f4 = sq() * sigma;
  CHECK(tt::gradient(f4, sigma) == doctest::Approx(S).epsilon(1e-13));
  CHECK(tt::gradient(f4, mu) == doctest::Approx(s * dS).epsilon(1e-13));
  auto f5 = 1.0 + tt::log(sq());
  CHECK(tt::gradient(f5, mu) == doctest::Approx(dS / S).epsilon(1e-13));
  // and the value of a skipping target, through tt::value_and_gradient, is the full one
  const auto [v1, g1] = tt::value_and_gradient(f1, mu);
  CHECK(v1 == doctest::Approx(-0.5 * S / (s * s) - n * std::log(s)).epsilon(1e-13));
  CHECK(g1 == tt::gradient(f1, mu));
}

TEST_CASE("a reduction whose vjp ignores its value is not computed forward (log_sum_exp)") {
  // d log_sum_exp(x) / dx = softmax(x); a large shift keeps every digit. max reads its value
  // (ties share the adjoint), so it is still computed.
  tt::variable<"x", T1> x{T1{1000.5, 999.0, 1001.25, 998.0, 1000.0, 1001.0, 997.5, 1000.75, 999.5}};
  double m = -1e300, z = 0;
  for (double v : x.get()) m = std::max(m, v);
  for (double v : x.get()) z += std::exp(v - m);
  const T1 g = tt::gradient(tt::log_sum_exp(x), x);
  const T1 g2 = tt::gradient(2.0 * tt::log_sum_exp(x) - 1.0, x);
  for (std::size_t i = 0; i < 9; ++i) {
    const double p = std::exp(x.get()(i) - m) / z;
    CHECK(g(i) == doctest::Approx(p).epsilon(1e-14));
    CHECK(g2(i) == doctest::Approx(2 * p).epsilon(1e-14));
  }
  const T1 gm = tt::gradient(3.0 * tt::reduce_max(x), x);  // 1001.25, once: 3 there, 0 elsewhere
  for (std::size_t i = 0; i < 9; ++i) CHECK(gm(i) == (i == 2 ? 3.0 : 0.0));
  const T1 gp = tt::gradient(tt::prod(x / 1000.0), x);  // prod_j (x_j / 1000) / x_i
  double pr = 1;
  for (double v : x.get()) pr *= v / 1000.0;
  for (std::size_t i = 0; i < 9; ++i)
    CHECK(gp(i) == doctest::Approx(pr / x.get()(i)).epsilon(1e-13));
}

TEST_CASE("slices a fused loop reads in place: values and gradients against loops") {
  // Rosenbrock over x[1:] and x[:-1] (contiguous, of a variable: the first slice's adjoint
  // is added into x's in place, the second's afterwards), a strided slice (copied), rows of
  // a matrix (one block), a column (not one block), a one-element slice (broadcast) and a
  // slice of an expression (its adjoint through the slice's own backward pass); every
  // gradient against a hand-written loop, then finite differences.
  const std::size_t n = 21;  // more than two SIMD batches, and a tail
  T1 x0 = T1::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) x0(i) = 0.5 + 0.4 * std::sin(1.3 * double(i));
  tt::variable<"x", T1> x{x0};
  auto lo = tt::slice(x, {0, n - 1});
  auto f =
      tt::sum(100.0 * tt::square(tt::slice(x, {1, n}) - tt::square(lo)) + tt::square(1.0 - lo));
  T1 want = xt::zeros<double>({n});
  double fv = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double d = x0(i + 1) - x0(i) * x0(i), e = 1 - x0(i);
    fv += 100 * d * d + e * e;
    want(i) += -400 * d * x0(i) - 2 * e;
    want(i + 1) += 200 * d;
  }
  const auto [v, g] = tt::value_and_gradient(f, x);
  CHECK(v == doctest::Approx(fv).epsilon(1e-13));
  const T1 g2 = tt::gradient(f, x);
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(g(i) == doctest::Approx(want(i)).epsilon(1e-12));
    CHECK(g2(i) == doctest::Approx(want(i)).epsilon(1e-12));
  }
  tensor_gradcheck(f, x);
  // a strided slice and a slice of an expression, in one region with the variable itself
  auto h = tt::sum(tt::square(tt::slice(x, {0, n, 2})) * tt::slice(x * 2.0, {0, n, 2}) +
                   tt::slice(tt::exp(x), {3, 4}) * tt::slice(x, {5, 16, 1}));
  tensor_gradcheck(h, x);
  // rows of a matrix are one block; a column is not
  tt::variable<"M", T2> M{random_tensor<T2>(rng, {5, 6})};
  auto rows = tt::sum(tt::tanh(tt::slice(M, {1, 4})) * tt::slice(M, {2, 5}));
  auto cols = tt::sum(tt::square(tt::slice(M, {0, 5}, {2, 3})) + tt::slice(M, {0, 5}, {4, 5}));
  tensor_gradcheck(rows, M);
  tensor_gradcheck(cols, M);
  const T2 gc = tt::gradient(cols, M);  // 2 M[:, 2] in column 2, 1 in column 4, 0 elsewhere
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 6; ++j)
      CHECK(gc(i, j) == (j == 2 ? 2 * M.get()(i, 2) : j == 4 ? 1.0 : 0.0));
}

TEST_CASE("tt::gradient_into: tensor gradients in the caller's storage, reused where it fits") {
  // sum(x^2 w + sin x): d/dx 2 x w + cos x, d/dw x^2; x is read twice in the region, so both
  // of its streams add into the caller's tensor
  T1 x0 = random_tensor<T1>(rng, {11});
  T1 w0 = random_tensor<T1>(rng, {11});
  tt::variable<"x", T1> x{x0};
  tt::variable<"w", T1> w{w0};
  auto f = tt::sum(tt::square(x) * w + tt::sin(x));
  T1 gx = T1::from_shape({11});
  T1 gw;  // empty: resized
  const double* px = gx.data();
  tt::gradient_into(f, std::tie(x, w), std::tie(gx, gw));
  CHECK(gx.data() == px);  // the same storage
  REQUIRE(gw.shape(0) == 11);
  for (std::size_t i = 0; i < 11; ++i) {
    CHECK(gx(i) == doctest::Approx(2 * x0(i) * w0(i) + std::cos(x0(i))).epsilon(1e-14));
    CHECK(gw(i) == doctest::Approx(x0(i) * x0(i)).epsilon(1e-14));
  }
  const auto [rx, rw] = tt::gradient(f, std::tie(x, w));
  CHECK(gx == rx);
  CHECK(gw == rw);

  // slices (the first added in place), a matrix product, a source nothing reaches at run
  // time (zeros, in place), stale contents overwritten
  const std::size_t n = 9;
  tt::variable<"r", T1> r{random_tensor<T1>(rng, {n}, 0.2, 1.5)};
  auto lo = tt::slice(r, {0, n - 1});
  auto rosen =
      tt::sum(100.0 * tt::square(tt::slice(r, {1, n}) - tt::square(lo)) + tt::square(1.0 - lo));
  T1 gr = xt::ones<double>({n}) * 1e300;
  tt::gradient_into(rosen, r, gr);
  CHECK(gr == tt::gradient(rosen, r));
  tt::variable<"W", T2> W{random_tensor<T2>(rng, {4, 3})};
  tt::variable<"b", T1> b{random_tensor<T1>(rng, {4})};
  const T1 in = random_tensor<T1>(rng, {3});
  auto dense = tt::sum(tt::square(tt::tanh(tt::matmul(W, in) + b)));
  T2 gW = xt::ones<double>({4, 3}) * -7.0;
  T1 gb = xt::ones<double>({4}) * -7.0;
  for (int k = 0; k < 2; ++k) {  // twice: no accumulation across calls
    tt::gradient_into(dense, std::tie(W, b), std::tie(gW, gb));
    const auto [eW, eb] = tt::gradient(dense, std::tie(W, b));
    CHECK(gW == eW);
    CHECK(gb == eb);
  }
  T1 gz = xt::ones<double>({n}) * 5.0;
  const double* pz = gz.data();
  tt::gradient_into(dense, std::tie(W, b, r), std::tie(gW, gb, gz),
                    tt::unconnected::zero);  // r: zeros
  CHECK(gz.data() == pz);                    // zeroed where it lies
  CHECK(gz == xt::zeros<double>({n}));
}

TEST_CASE("tt::gradient_into: a bad weight throws before the caller's tensors are touched") {
  tt::variable<"x", T1> x{T1{1.0, 2.0, 3.0}};
  auto y = x * 2.0;
  T1 g{9.0, 9.0, 9.0};
  CHECK_THROWS_AS(tt::gradient_into(y, x, g, tt::output_gradients(T1{1.0, 1.0})),
                  tt::shape_error);  // TT-E12: a weight of 2 elements for 3
  CHECK(g == T1{9.0, 9.0, 9.0});
  tt::gradient_into(y, x, g, tt::output_gradients(T1{1.0, 0.5, -1.0}));
  CHECK(g == T1{2.0, 1.0, -2.0});
}
