// Layers, models, optimizers; the tensor Jacobian and custom VJPs on tensors.
// Gradients against finite differences (tensor_gradcheck) and PyTorch's LSTM
// (tests/oracle/scan.json); optimizer steps against their formulas computed here.
#include <typetape/nn.hpp>

#include "oracle.hpp"
#include "tensor_check.hpp"

namespace {
using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using T4 = xt::xtensor<double, 4>;

T2 data(std::size_t rows, std::size_t cols, double phase) {
  T2 x = T2::from_shape({rows, cols});
  for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = std::sin(0.61 * double(k) + phase);
  return x;
}

/// A model made of layers: its parameters are one tuple, the layers' concatenated.
struct mlp {
  tt::nn::dense<"fc1"> fc1{5, 7, 11};
  tt::nn::dense<"fc2"> fc2{7, 3, 12};
  auto params() { return std::tuple_cat(fc1.params(), fc2.params()); }
  template <class X>
  auto operator()(const X& x) const {
    return fc2(tt::tanh(fc1(x)));
  }
};
}  // namespace

TEST_CASE("dense: x W + b, and its gradients against finite differences") {
  tt::nn::dense<"fc"> fc{4, 3};
  CHECK(fc.W.name() == "fc.W");
  CHECK(fc.b.name() == "fc.b");
  CHECK(fc.W.get().shape() == std::array<std::size_t, 2>{4, 3});
  const double limit = std::sqrt(6.0 / 7.0);  // Glorot-uniform
  for (double w : fc.W.get()) CHECK(std::abs(w) <= limit);
  fc.b = T1{0.1, -0.2, 0.3};
  const T2 x = data(2, 4, 0.3);
  const T2 y = tt::eval(fc(x));
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double s = fc.b.get()(j);
      for (std::size_t k = 0; k < 4; ++k) s += x(i, k) * fc.W.get()(k, j);
      CHECK(y(i, j) == doctest::Approx(s).epsilon(1e-14));
    }
  ttest::tensor_gradcheck(tt::sum(tt::square(tt::tanh(fc(x)))), fc.W, fc.b);
}

TEST_CASE("a model's params() is one structure: gradient returns it, sgd and adam update it") {
  mlp model;
  const T2 x = data(6, 5, 0.1);
  const T2 target = data(6, 3, 1.7);
  auto loss = tt::mse(model(x), target);
  auto g = tt::gradient(loss, model.params());
  static_assert(std::tuple_size_v<decltype(g)> == 4);
  ttest::tensor_gradcheck(loss, model.fc1.W, model.fc1.b, model.fc2.W, model.fc2.b);

  SUBCASE("sgd without momentum: w - lr g, exactly") {
    const T2 w0 = model.fc1.W.get();
    tt::nn::sgd opt{.lr = 0.1};
    opt.step(model.params(), g);
    for (std::size_t k = 0; k < w0.size(); ++k)
      CHECK(model.fc1.W.get().data()[k] ==
            doctest::Approx(w0.data()[k] - 0.1 * std::get<0>(g).data()[k]).epsilon(1e-15));
  }
  SUBCASE("sgd with momentum: v = m v + g, w -= lr v, over two steps with the same gradient") {
    const T1 b0 = model.fc2.b.get();
    tt::nn::sgd opt{.lr = 0.1, .momentum = 0.9};
    opt.step(model.params(), g);
    opt.step(model.params(), g);
    for (std::size_t k = 0; k < b0.size(); ++k)  // v1 = g, v2 = 1.9 g: w2 = w0 - 0.1 (g + 1.9 g)
      CHECK(model.fc2.b.get()(k) ==
            doctest::Approx(b0(k) - 0.29 * std::get<3>(g)(k)).epsilon(1e-14));
  }
  SUBCASE("adam: the first step moves each weight by lr g / (|g| + eps)") {
    const T2 w0 = model.fc2.W.get();
    tt::nn::adam opt{.lr = 0.01};
    opt.step(model.params(), g);
    for (std::size_t k = 0; k < w0.size(); ++k) {
      const double gk = std::get<2>(g).data()[k];
      CHECK(model.fc2.W.get().data()[k] ==
            doctest::Approx(w0.data()[k] - 0.01 * gk / (std::abs(gk) + 1e-8)).epsilon(1e-14));
    }
  }
  SUBCASE("training lowers the loss; a gradient of another shape throws, naming the parameter") {
    tt::nn::adam opt{.lr = 0.05};
    const double first = tt::eval(loss);
    for (int i = 0; i < 200; ++i) opt.step(model.params(), tt::gradient(loss, model.params()));
    MESSAGE("mse after 200 adam steps: ", tt::eval(loss), " (from ", first, ")");
    CHECK(tt::eval(loss) < 0.01 * first);
    auto wrong = tt::gradient(loss, model.params());
    std::get<1>(wrong) = T1{1.0};
    const T2 w_before = model.fc1.W.get();
    CHECK_THROWS_WITH_AS(
        opt.step(model.params(), wrong),
        "TT-E12: adam: the gradient of parameter 1 (fc1.b) has 1 elements, the parameter 7. "
        "See docs/errors.md#tt-e12.",
        tt::shape_error);
    CHECK(model.fc1.W.get() == w_before);  // nothing updated: every parameter is checked first
    auto transposed = tt::gradient(loss, model.params());
    std::get<2>(transposed) = T2(xt::transpose(std::get<2>(transposed)));
    CHECK_THROWS_WITH_AS(opt.step(model.params(), transposed),
                         "TT-E12: adam: the gradient of parameter 2 (fc2.W) has 21 elements, the "
                         "parameter 21 (another shape). See docs/errors.md#tt-e12.",
                         tt::shape_error);
  }
}

TEST_CASE("lstm_cell under scan is PyTorch's LSTM (the oracle's lstm_final case)") {
  const oracle::json root = oracle::load("scan.json");
  const oracle::json* c = nullptr;
  for (const auto& k : root["cases"].items)
    if (k["name"].str == "lstm_final") c = &k;
  REQUIRE(c != nullptr);
  const auto& in = (*c)["inputs"];
  tt::nn::lstm_cell<"lstm"> cell{4, 5};
  cell.W = oracle::tensor<2>(in["W"]);
  cell.U = oracle::tensor<2>(in["U"]);
  cell.b = oracle::tensor<1>(in["b"]);
  tt::variable<"h0", T2> h0{oracle::tensor<2>(in["h0"])};
  tt::variable<"c0", T2> c0{oracle::tensor<2>(in["c0"])};
  const T3 xs = oracle::tensor<3>(in["xs"]);
  auto loss =
      tt::sum(tt::scan<"seq">(cell, std::tie(h0, c0), xs) * oracle::tensor<2>((*c)["seed"]));
  oracle::compare("lstm_cell loss", tt::eval(loss), (*c)["output"], 1e-10);
  auto [gw, gu, gb, gh, gc] = tt::gradient(loss, std::tuple_cat(cell.params(), std::tie(h0, c0)));
  oracle::compare("d/dW", gw, (*c)["gradients"]["W"], 1e-10);
  oracle::compare("d/dU", gu, (*c)["gradients"]["U"], 1e-10);
  oracle::compare("d/db", gb, (*c)["gradients"]["b"], 1e-10);
  oracle::compare("d/dh0", gh, (*c)["gradients"]["h0"], 1e-10);
  oracle::compare("d/dc0", gc, (*c)["gradients"]["c0"], 1e-10);
  // a fresh cell: the forget gate's bias starts at 1, the others at 0
  tt::nn::lstm_cell<"fresh"> fresh{3, 2};
  CHECK(fresh.b.get() == T1{0, 0, 1, 1, 0, 0, 0, 0});
}

TEST_CASE("lstm_cell called by hand, step after step, is the scan over the same steps") {
  // Keras allows calling a cell by hand; each call's gates are lets of their own
  // (tt::local_let), so the second call's do not clash with the first's (was TT-E10).
  // Two steps: each step's type holds the previous step's at every use of its state, so
  // unrolling by hand grows the type about fourfold a step (three steps: g++ 274 s and
  // 8.8 GB for this test's file); longer sequences are what tt::scan is for.
  tt::nn::lstm_cell<"lstm"> cell{3, 4, 7};
  tt::variable<"h0", T2> h0{data(2, 4, 0.3) * 0.5};
  tt::variable<"c0", T2> c0{data(2, 4, 0.9) * 0.5};
  T3 xs = T3::from_shape({2, 2, 3});
  for (std::size_t k = 0; k < xs.size(); ++k) xs.data()[k] = std::cos(0.37 * double(k));
  const T2 x0 = xt::view(xs, 0), x1 = xt::view(xs, 1);
  auto [h1, c1] = cell(h0, c0, x0);
  auto [h2, c2] = cell(h1, c1, x1);
  (void)c2;
  const T2 seed = data(2, 4, 1.7);
  auto by_hand = tt::sum(h2 * seed);
  auto scanned = tt::sum(tt::scan<"seq">(cell, std::tie(h0, c0), xs) * seed);
  INFO("by hand ", tt::eval(by_hand), ", scanned ", tt::eval(scanned));
  CHECK(tt::eval(by_hand) == doctest::Approx(tt::eval(scanned)).epsilon(1e-13));
  const auto g1 = tt::gradient(by_hand, std::tuple_cat(cell.params(), std::tie(h0, c0)));
  const auto g2 = tt::gradient(scanned, std::tuple_cat(cell.params(), std::tie(h0, c0)));
  tt::detail::static_for<5>(
      [&](auto i) { CHECK(xt::allclose(std::get<i>(g1), std::get<i>(g2), 1e-12, 1e-14)); });
  ttest::tensor_gradcheck(scanned, cell.W, cell.b);  // and so by_hand's, equal above
}

TEST_CASE("rnn_cell and conv2d layers against finite differences") {
  tt::nn::rnn_cell<"rnn"> cell{3, 4, 5};
  T3 xs = T3::from_shape({12, 2, 3});
  for (std::size_t k = 0; k < xs.size(); ++k) xs.data()[k] = std::cos(0.3 * double(k));
  const T2 h0 = data(2, 4, 0.5) * 0.3;
  auto loss = tt::sum(tt::square(tt::scan<"seq", tt::all_steps>(cell, h0, xs)));
  ttest::tensor_gradcheck(loss, cell.W, cell.U, cell.b);

  tt::nn::conv2d<"conv"> conv{3, 3, 2, 4, {.stride = 1, .pad = tt::padding::same}};
  CHECK(conv.K.get().shape() == std::array<std::size_t, 4>{3, 3, 2, 4});
  T4 img = T4::from_shape({1, 5, 5, 2});
  for (std::size_t k = 0; k < img.size(); ++k) img.data()[k] = std::sin(0.17 * double(k));
  ttest::tensor_gradcheck(tt::sum(tt::relu(conv(img)) * 0.5 + tt::square(conv(img))), conv.K,
                          conv.b);
}

TEST_CASE("jacobian of a tensor expression: softmax's is diag(s) - s s^T") {
  tt::variable<"z", T1> z{T1{0.3, -1.2, 2.0, 0.1}};
  const auto J = tt::jacobian(tt::softmax<0>(z), z);
  REQUIRE(J.shape() == std::array<std::size_t, 2>{4, 4});
  const T1 s = tt::eval(tt::softmax<0>(z));
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      CHECK(J(i, j) == doctest::Approx((i == j ? s(i) : 0.0) - s(i) * s(j)).epsilon(1e-14));
  // rank 2 by rank 2: d (W x)[i] / d W[k, l] = [i == k] x[l]
  tt::variable<"W", T2> w{data(2, 3, 0.0)};
  const T1 x{0.5, -1.0, 2.0};
  const auto Jw = tt::jacobian(tt::matmul(w, x), w);
  REQUIRE(Jw.shape() == std::array<std::size_t, 3>{2, 2, 3});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t k = 0; k < 2; ++k)
      for (std::size_t l = 0; l < 3; ++l) CHECK(Jw(i, k, l) == (i == k ? x(l) : 0.0));
}

TEST_CASE("custom_vjp on tensors: whole values in, adjoints shaped like the operands") {
  tt::variable<"a", T2> a{data(3, 4, 0.2)};
  // softplus, forward and VJP written on whole tensors
  auto softplus = [](const auto& e) {
    return tt::custom_vjp(
        [](const T2& v) { return T2(xt::log1p(xt::exp(v))); },
        [](const T2& v, const T2&, const T2& g) { return T2(g / (1.0 + xt::exp(-v))); }, e);
  };
  ttest::tensor_gradcheck(tt::sum(softplus(a * 2.0) * a), a);
  // an adjoint of the wrong shape is a shape error naming the op
  auto bad = tt::custom_vjp([](const T2& v) { return v; },
                            [](const T2&, const T2&, const T2&) { return T2{{1.0}}; }, a);
  CHECK_THROWS_AS(tt::gradient(tt::sum(bad), a), tt::shape_error);
}
