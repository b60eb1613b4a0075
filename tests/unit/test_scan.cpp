// tt::scan: backpropagation through time against PyTorch (tests/oracle/scan.json, written
// by scripts/make-oracle-scan: an RNN and an LSTM over 50 steps, cross-checked there
// against torch.nn.RNN / torch.nn.LSTM), against central finite differences, and the
// memory a recording holds and gives back.
#include <malloc.h>

#include <cmath>
#include <optional>

#include "oracle.hpp"
#include "tensor_check.hpp"
#include <xtensor/xview.hpp>

// ---- live heap bytes, for the memory test
// -------------------------------------------------------- glibc's own count (xtensor allocates
// through posix_memalign, not operator new); a sanitizer's allocator does not keep it, so the
// memory test is skipped under one.
#if defined(__SANITIZE_ADDRESS__)
#define TT_NO_MALLINFO 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_NO_MALLINFO 1
#endif
#endif
#ifndef TT_NO_MALLINFO
#define TT_NO_MALLINFO 0
#endif
namespace {
long long heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<long long>(m.uordblks + m.hblkhd);
}
}  // namespace

namespace {

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;
using oracle::json;
using oracle::tensor;

const json& cases() {
  static const json root = oracle::load("scan.json");
  return root;
}
const json& find_case(const std::string& name) {
  for (const auto& c : cases()["cases"].items)
    if (c["name"].str == name) return c;
  throw std::runtime_error("scan oracle: no case " + name);
}

// The cells, as a user writes them.
template <class W, class U, class B>
auto rnn_cell(const W& w, const U& u, const B& b) {
  return [&](const auto& h, const auto& x) {
    return tt::tanh(tt::matmul(x, w) + tt::matmul(h, u) + b);
  };
}
/// PyTorch's LSTM: one [in, 4H] and one [H, 4H] weight, gates in the order i, f, g, o.
template <class W, class U, class B>
auto lstm_cell(const W& w, const U& u, const B& b, std::size_t H) {
  return [&w, &u, &b, H](const auto& h, const auto& c, const auto& x) {
    auto z = tt::let<"z">(tt::matmul(x, w) + tt::matmul(h, u) + b);
    auto gate = [&](std::size_t k) { return tt::slice(z, {}, {k * H, (k + 1) * H}); };
    auto c2 = tt::let<"c">(tt::sigmoid(gate(1)) * c + tt::sigmoid(gate(0)) * tt::tanh(gate(2)));
    return std::tuple(tt::sigmoid(gate(3)) * tt::tanh(c2), c2);
  };
}

void check_grad(const std::string& what, const auto& got, const json& c, const char* name) {
  oracle::compare(what + " d/d" + name, got, c["gradients"][name], 1e-10);
}

}  // namespace

TEST_CASE("scan: an RNN over 50 steps against PyTorch (final state and every step)") {
  for (const std::string mode : {"rnn_final", "rnn_all"}) {
    const json& c = find_case(mode);
    tt::variable<"xs", T3> xs{tensor<3>(c["inputs"]["xs"])};
    tt::variable<"h0", T2> h0{tensor<2>(c["inputs"]["h0"])};
    tt::variable<"W", T2> w{tensor<2>(c["inputs"]["W"])};
    tt::variable<"U", T2> u{tensor<2>(c["inputs"]["U"])};
    tt::variable<"b", T1> b{tensor<1>(c["inputs"]["b"])};
    auto check = [&](const auto& loss) {
      oracle::compare(mode + " loss", tt::eval(loss), c["output"], 1e-10);
      auto [gxs, gh0, gw, gu, gb] = tt::gradient(loss, std::tie(xs, h0, w, u, b));
      check_grad(mode, gxs, c, "xs");
      check_grad(mode, gh0, c, "h0");
      check_grad(mode, gw, c, "W");
      check_grad(mode, gu, c, "U");
      check_grad(mode, gb, c, "b");
    };
    if (mode == "rnn_final") {
      check(tt::sum(tt::scan<"rnn">(rnn_cell(w, u, b), h0, xs) * tensor<2>(c["seed"])));
    } else {
      auto hs = tt::scan<"rnn", tt::all_steps>(rnn_cell(w, u, b), h0, xs);
      CHECK(tt::eval(hs).shape()[0] == 50);
      check(tt::sum(hs * tensor<3>(c["seed"])));
    }
  }
}

TEST_CASE(
    "scan: an LSTM (state of two parts, lets inside the cell) over 50 steps against PyTorch") {
  for (const std::string mode : {"lstm_final", "lstm_all"}) {
    const json& c = find_case(mode);
    tt::variable<"xs", T3> xs{tensor<3>(c["inputs"]["xs"])};
    tt::variable<"h0", T2> h0{tensor<2>(c["inputs"]["h0"])};
    tt::variable<"c0", T2> c0{tensor<2>(c["inputs"]["c0"])};
    tt::variable<"W", T2> w{tensor<2>(c["inputs"]["W"])};
    tt::variable<"U", T2> u{tensor<2>(c["inputs"]["U"])};
    tt::variable<"b", T1> b{tensor<1>(c["inputs"]["b"])};
    const std::size_t H = h0.get().shape()[1];
    auto check = [&](const auto& loss) {
      oracle::compare(mode + " loss", tt::eval(loss), c["output"], 1e-10);
      auto [gxs, gh0, gc0, gw, gu, gb] = tt::gradient(loss, std::tie(xs, h0, c0, w, u, b));
      check_grad(mode, gxs, c, "xs");
      check_grad(mode, gh0, c, "h0");
      check_grad(mode, gc0, c, "c0");
      check_grad(mode, gw, c, "W");
      check_grad(mode, gu, c, "U");
      check_grad(mode, gb, c, "b");
    };
    if (mode == "lstm_final")
      check(tt::sum(tt::scan<"lstm">(lstm_cell(w, u, b, H), std::tie(h0, c0), xs) *
                    tensor<2>(c["seed"])));
    else
      check(tt::sum(tt::scan<"lstm", tt::all_steps>(lstm_cell(w, u, b, H), std::tie(h0, c0), xs) *
                    tensor<3>(c["seed"])));
  }
}

TEST_CASE("scan: gradients against central finite differences (tensor state, 60 steps)") {
  const std::size_t T = 60, B = 2, I = 3, H = 4;
  T3 xv = T3::from_shape({T, B, I});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = std::sin(0.37 * double(k) + 0.2);
  T2 wv = T2::from_shape({I, H}), uv = T2::from_shape({H, H});
  for (std::size_t k = 0; k < wv.size(); ++k) wv.data()[k] = 0.4 * std::cos(1.3 * double(k));
  for (std::size_t k = 0; k < uv.size(); ++k) uv.data()[k] = 0.6 * std::sin(0.9 * double(k) + 1.0);
  tt::variable<"xs", T3> xs{xv};
  tt::variable<"W", T2> w{wv};
  tt::variable<"U", T2> u{uv};
  tt::variable<"b", T1> b{T1{0.1, -0.2, 0.05, 0.0}};
  tt::variable<"h0", T2> h0{T2{{0.3, -0.1, 0.2, 0.5}, {-0.4, 0.1, 0.0, 0.2}}};
  // a loss that reads every step and the final state
  auto cell = rnn_cell(w, u, b);
  auto loss = tt::sum(tt::square(tt::scan<"r", tt::all_steps>(cell, h0, xs))) +
              tt::sum(tt::sin(tt::scan<"q">(cell, h0, xs)));
  ttest::tensor_gradcheck(loss, w, u, b, h0, xs);
}

TEST_CASE("scan: a scalar state over a vector of inputs; the cell's own lets are per step") {
  tt::variable<"a"> a{0.8};
  tt::variable<"c"> c{0.3};
  tt::variable<"s0"> s0{0.1};
  T1 xv = T1::from_shape({25});
  for (std::size_t k = 0; k < 25; ++k) xv(k) = std::cos(0.5 * double(k));
  // s' = tanh(a s + x) * (1 + c u), u = let(a * x)
  auto cell = [&](const auto& s, const auto& x) {
    auto u = tt::let<"u">(a * x);
    return tt::tanh(a * s + x + u) * (1.0 + c * u);
  };
  auto loss = tt::scan<"s">(cell, s0, xv);
  // the same recurrence by hand, forward and as finite differences
  auto run = [&](double av, double cv, double sv) {
    for (std::size_t k = 0; k < 25; ++k) {
      const double uu = av * xv(k);
      sv = std::tanh(av * sv + xv(k) + uu) * (1.0 + cv * uu);
    }
    return sv;
  };
  CHECK(tt::eval(loss) == doctest::Approx(run(0.8, 0.3, 0.1)).epsilon(1e-14));
  auto [ga, gc, gs] = tt::gradient(loss, std::tie(a, c, s0));
  const double e = 1e-6;
  CHECK(ga ==
        doctest::Approx((run(0.8 + e, 0.3, 0.1) - run(0.8 - e, 0.3, 0.1)) / (2 * e)).epsilon(1e-7));
  CHECK(gc ==
        doctest::Approx((run(0.8, 0.3 + e, 0.1) - run(0.8, 0.3 - e, 0.1)) / (2 * e)).epsilon(1e-7));
  CHECK(gs ==
        doctest::Approx((run(0.8, 0.3, 0.1 + e) - run(0.8, 0.3, 0.1 - e)) / (2 * e)).epsilon(1e-7));
}

TEST_CASE(
    "scan: zero steps gives the initial state; its gradient is the seed, the cell's are zeros") {
  tt::variable<"W", T2> w{T2{{0.5, 0.1}, {0.2, 0.3}}};
  tt::variable<"h0", T2> h0{T2{{1.0, 2.0}}};
  const T3 none = T3::from_shape({0, 1, 2});
  auto hT = tt::scan<"z">(
      [&](const auto& h, const auto& x) { return tt::tanh(tt::matmul(h, w) + x); }, h0, none);
  auto loss = tt::sum(hT * T2{{3.0, -1.0}});
  CHECK(tt::eval(loss) == 1.0);
  auto [gw, gh] = tt::gradient(loss, std::tie(w, h0));
  REQUIRE(gw.shape() == w.get().shape());
  CHECK(gw == T2{{0.0, 0.0}, {0.0, 0.0}});
  CHECK(gh == T2{{3.0, -1.0}});
}

TEST_CASE("scan: the compile-time checks see through the cell") {
  tt::variable<"W", T2> w{T2{{0.5}}};
  tt::variable<"V", T2> v{T2{{0.5}}};
  tt::variable<"h0", T2> h0{T2{{1.0}}};
  const T3 xs = T3::from_shape({3, 1, 1});
  auto hT = tt::scan<"z">(
      [&](const auto& h, const auto& x) { return tt::matmul(h, w) + tt::stop_gradient(x * v); }, h0,
      xs);
  using L = decltype(tt::sum(hT));
  static_assert(tt::differentiable_wrt<L, decltype(w)>);   // a parameter of the cell
  static_assert(tt::differentiable_wrt<L, decltype(h0)>);  // through the state
  static_assert(tt::only_detached<L, decltype(v)>);        // TT-E02 if asked
  tt::variable<"other", T2> other{T2{{1.0}}};
  static_assert(!tt::uses<L, decltype(other)>);  // TT-E01 if asked
  CHECK(tt::gradient(tt::sum(hT), w)(0, 0) != 0.0);
}

TEST_CASE("scan: a non-persistent tape gives back the steps' memory when its gradient is taken" *
          doctest::skip(TT_NO_MALLINFO != 0)) {
  const std::size_t T = 200, B = 16, I = 8, H = 32;
  T3 xv = T3::from_shape({T, B, I});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = std::sin(0.1 * double(k));
  tt::variable<"W", T2> w{T2::from_shape({I, H})};
  tt::variable<"U", T2> u{T2::from_shape({H, H})};
  tt::variable<"b", T1> b{T1::from_shape({H})};
  w = xt::xtensor<double, 2>(xt::ones<double>({I, H}) * 0.05);
  u = xt::xtensor<double, 2>(xt::ones<double>({H, H}) * 0.01);
  b = xt::xtensor<double, 1>(xt::zeros<double>({H}));
  tt::variable<"h0", T2> h0{xt::xtensor<double, 2>(xt::zeros<double>({B, H}))};
  const T3 xs_c = xv;
  auto loss = tt::sum(tt::scan<"m">(rnn_cell(w, u, b), h0, xs_c));

  (void)tt::gradient(loss, w);  // first use: BLAS and the library set up what they keep
  const long long before = heap_in_use();
  auto t = tt::record(loss);
  const long long recorded = heap_in_use() - before;
  // at least each step's state and its region's record: T * B * H doubles
  CHECK(recorded >= static_cast<long long>(T * B * H * sizeof(double)));
  long long after = 0;
  {
    auto g = std::move(t).gradient(loss, std::tie(w, u, b));
    CHECK(std::get<0>(g).size() == I * H);
    after = heap_in_use() - before;  // the gradients (and the empty tape) only
  }
  const auto grads = static_cast<long long>((I * H + H * H + H) * sizeof(double));
  MESSAGE("scan memory, T = ", T, ", batch ", B, ", hidden ", H, ": recorded ", recorded,
          " bytes; after gradient ", after, " bytes, of which the gradients ", grads);
  CHECK(after < grads + 4096);
  CHECK(heap_in_use() - before <
        4096);  // everything returned once the gradients are gone (the test's own messages aside)

  // a persistent tape keeps its steps until it is destroyed
  {
    auto p = tt::record<tt::persistent>(loss);
    const long long held = heap_in_use() - before;
    auto g = p.gradient(loss, w);
    CHECK(heap_in_use() - before >= held);
  }
  CHECK(heap_in_use() - before < 4096);
}

TEST_CASE("scan with checkpointing: the same gradients, bit for bit, for less memory") {
  const std::size_t T = 200, B = 16, I = 8, H = 32;
  T3 xv = T3::from_shape({T, B, I});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = std::sin(0.1 * double(k));
  tt::variable<"W", T2> w{xt::xtensor<double, 2>(xt::ones<double>({I, H}) * 0.05)};
  tt::variable<"U", T2> u{xt::xtensor<double, 2>(xt::ones<double>({H, H}) * 0.01)};
  tt::variable<"b", T1> b{xt::xtensor<double, 1>(xt::zeros<double>({H}))};
  tt::variable<"h0", T2> h0{xt::xtensor<double, 2>(xt::ones<double>({B, H}) * 0.1)};
  tt::variable<"xs", T3> xs{xv};
  auto loss_of = [&](std::size_t every) {
    return tt::sum(
        tt::square(tt::scan<"m", tt::all_steps>(rnn_cell(w, u, b), h0, xs, tt::checkpoint{every})));
  };
  const auto full = tt::gradient(loss_of(0), std::tie(w, u, b, h0, xs));
  for (std::size_t every : {1, 7, 20, 200, 500}) {
    INFO("checkpoint every ", every, " steps");
    const auto g = tt::gradient(loss_of(every), std::tie(w, u, b, h0, xs));
    CHECK(tt::eval(loss_of(every)) == tt::eval(loss_of(0)));
    CHECK(std::get<0>(g) == std::get<0>(full));
    CHECK(std::get<1>(g) == std::get<1>(full));
    CHECK(std::get<2>(g) == std::get<2>(full));
    CHECK(std::get<3>(g) == std::get<3>(full));
    CHECK(std::get<4>(g) == std::get<4>(full));
  }
#if !TT_NO_MALLINFO
  // what a recording holds: every step's record, or a state per 20 steps (and the inputs)
  (void)tt::gradient(loss_of(20), w);
  auto held = [&](std::size_t every) {
    const long long before = heap_in_use();
    auto t = tt::record(loss_of(every));
    return heap_in_use() - before;
  };
  const long long all = held(0), some = held(20);
  MESSAGE("scan memory, T = 200, batch 16, hidden 32, all_steps: every step kept ", all,
          " bytes; checkpoint every 20 ", some, " bytes");
  // Both hold the inputs and the all_steps output; without checkpoints each step's record
  // holds at least two B x H tensors (the products' sum x W + h U and the new state), which
  // checkpointing keeps for 10 saved states and the 2 step records it takes turns with.
  const auto step_tensors = static_cast<long long>(2 * B * H * sizeof(double));
  CHECK(all - some >= static_cast<long long>(T - T / 20 - 2) * step_tensors);
#endif
}

#include <typetape/unroll.hpp>

TEST_CASE(
    "unroll: a compile-time loop (Hana) matches scan over the same steps; steps may differ by "
    "index") {
  tt::variable<"W", T2> w{T2{{0.3, -0.2}, {0.1, 0.4}}};
  tt::variable<"U", T2> u{T2{{0.5, 0.1}, {-0.3, 0.2}}};
  tt::variable<"b", T1> b{T1{0.05, -0.1}};
  tt::variable<"h0", T2> h0{T2{{0.2, -0.4}}};
  T3 xv = T3::from_shape({4, 1, 2});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = std::cos(0.9 * double(k));
  auto cell = rnn_cell(w, u, b);
  const T2 xs[4] = {xt::view(xv, 0), xt::view(xv, 1), xt::view(xv, 2), xt::view(xv, 3)};
  // the cell reads its state twice: each step's state is a let, so the tree stays small
  auto unrolled =
      tt::unroll<"h", 4>([&](const auto& h, auto i) { return cell(h, xs[i]) + 0.0 * h; }, h0);
  auto scanned = tt::scan<"s">(cell, h0, xv);
  const auto gu = tt::gradient(tt::sum(tt::square(unrolled)), std::tie(w, u, b, h0));
  const auto gs = tt::gradient(tt::sum(tt::square(scanned)), std::tie(w, u, b, h0));
  CHECK(tt::eval(unrolled) == tt::eval(scanned));
  CHECK(xt::allclose(std::get<0>(gu), std::get<0>(gs), 1e-14, 0.0));
  CHECK(xt::allclose(std::get<1>(gu), std::get<1>(gs), 1e-14, 0.0));
  CHECK(xt::allclose(std::get<2>(gu), std::get<2>(gs), 1e-14, 0.0));
  CHECK(xt::allclose(std::get<3>(gu), std::get<3>(gs), 1e-14, 0.0));
  // a different weight at each step (scalars): against finite differences
  tt::variable<"a0"> a0{0.7};
  tt::variable<"a1"> a1{-0.4};
  tt::variable<"a2"> a2{1.1};
  tt::variable<"s0"> s0{0.3};
  std::tuple<tt::variable<"a0">&, tt::variable<"a1">&, tt::variable<"a2">&> as{a0, a1, a2};
  auto y = tt::unroll<"z", 3>(
      [&](const auto& s, auto i) { return tt::sin(std::get<i>(as) * s + 0.5) * s; }, s0);
  ttest::gradcheck(y, a0, a1, a2, s0);
}

TEST_CASE(
    "a tape holding a scan can be moved (the first step reads a computed initial state), not "
    "copied") {
  tt::variable<"W", T2> w{T2{{0.5, 0.1}, {0.2, 0.3}}};
  tt::variable<"h0", T2> h0{T2{{1.0, -2.0}}};
  T3 xv = T3::from_shape({5, 1, 2});
  for (std::size_t k = 0; k < xv.size(); ++k) xv.data()[k] = std::sin(double(k));
  auto cell = [&](const auto& h, const auto& x) { return tt::tanh(tt::matmul(h, w) + x); };
  auto loss = tt::sum(tt::scan<"mv">(cell, h0 * 0.5 + 0.25,
                                     xv));  // the initial state is computed: held in the record
  const auto expected = tt::gradient(loss, std::tie(w, h0));
  auto make = [&] {
    auto t = tt::record(loss);
    return std::optional(std::move(t));  // moved twice
  };
  auto moved = make();
  std::vector<double> scratch(4096, 1.0);  // reuse whatever the moved-from storage was
  const auto got = std::move(*moved).gradient(loss, std::tie(w, h0));
  CHECK(std::get<0>(got) == std::get<0>(expected));
  CHECK(std::get<1>(got) == std::get<1>(expected));
  CHECK(scratch[0] == 1.0);
  static_assert(!std::is_copy_constructible_v<decltype(tt::record<tt::persistent>(loss))>);
  static_assert(std::is_move_constructible_v<decltype(tt::record<tt::persistent>(loss))>);
}

TEST_CASE("TT-E10 at run time sees the variables inside a scan's cell") {
  tt::variable<"W", T2> w_cell{T2{{0.5}}};
  tt::variable<"W", T2> w_other{T2{{0.25}}};  // another object with the cell's name
  tt::variable<"h0", T2> h0{T2{{1.0}}};
  const T3 xs = T3::from_shape({3, 1, 1});
  auto hT = tt::scan<"e10">(
      [&](const auto& h, const auto& x) { return tt::tanh(tt::matmul(h, w_cell) + x); }, h0, xs);
  CHECK_THROWS_AS(tt::record(tt::sum(hT) + tt::sum(w_other)),
                  tt::name_clash_error);  // one name, two objects
  CHECK_THROWS_AS(tt::gradient(tt::sum(hT), w_other), tt::name_clash_error);  // not the cell's W
  CHECK_NOTHROW(tt::gradient(tt::sum(hT), w_cell));
}
