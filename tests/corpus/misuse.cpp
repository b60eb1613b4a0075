// The misuse corpus (issue 15): TensorFlow GradientTape pitfalls written the way users write
// them, one level down from main: in helper function templates, generic lambdas, class
// members, layers, scan cells and loops; scalars and tensors, float and double, names of
// several characters. tests/corpus/run.py compiles
//  - each case alone (-DCASE=n): it must not compile, and the diagnostic must carry the code
//    and kind its `// case` line gives, name the variable, and fit in 12 lines;
//  - every case's correct twin together (no CASE): the legitimate-program corpus, which must
//    compile cleanly (-Wall -Wextra -Werror) and, run, give TensorFlow's values (derived by
//    hand in each case's comment).
// The format of a case line: `// case N: TT-Exx | kind: words | name: var | in: context`.
#include <typetape/nn.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <tuple>
#include <utility>
#include <vector>

using T1 = xt::xtensor<double, 1>;
using T2 = xt::xtensor<double, 2>;

namespace {

std::vector<std::pair<const char*, std::function<bool()>>>& registry() {
  static std::vector<std::pair<const char*, std::function<bool()>>> cases;
  return cases;
}
struct add_case {
  add_case(const char* what, std::function<bool()> f) {
    registry().emplace_back(what, std::move(f));
  }
};
bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * (1.0 + std::abs(b)); }

#if defined(CASE)
#define MISUSE 1
#else
#define MISUSE 0
#endif

// case 1: TT-E01 | kind: does not use this source | name: bias_term | in: a helper template, float
#if !defined(CASE) || CASE == 1
template <class Loss, class Param>
float slope_of(const Loss& loss, const Param& p) {
  return tt::gradient(loss, p);
}
// d/db (s*s + b) = 1
bool case1() {
  tt::variable<"scale", float> scale{2.0f};
  tt::variable<"bias_term", float> bias_term{0.5f};
#if MISUSE
  auto loss = scale * scale;  // bias_term forgotten
#else
  auto loss = scale * scale + bias_term;
#endif
  return slope_of(loss, bias_term) == 1.0f;
}
const add_case add_case1{"E01 in a helper, float", case1};
#endif

// case 2: TT-E01 | kind: does not use this source | name: offset | in: a class member, tensor
#if !defined(CASE) || CASE == 2
struct linear_model {
  tt::variable<"weights", T1> weights{T1{1.0, 2.0}};
  tt::variable<"offset"> offset{0.5};
  auto loss(const T1& x) const {
#if MISUSE
    return tt::sum(weights * x);  // offset forgotten
#else
    return tt::sum(weights * x) + offset;
#endif
  }
  auto grads(const T1& x) const { return tt::gradient(loss(x), std::tie(weights, offset)); }
};
// d/dw sum(w*x) + o = x, d/do = 1
bool case2() {
  const linear_model m;
  const auto [gw, go] = m.grads(T1{3.0, 4.0});
  return gw(0) == 3.0 && gw(1) == 4.0 && go == 1.0;
}
const add_case add_case2{"E01 in a class member, tensor", case2};
#endif

// case 3: TT-E02 | kind: stop_gradient | name: theta | in: a generic lambda
#if !defined(CASE) || CASE == 3
// d/dt sin(2t) = 2 cos(2t)
bool case3() {
  tt::variable<"theta"> theta{0.3};
#if MISUSE
  auto doubled = [](const auto& v) { return tt::stop_gradient(v) * 2.0; };
#else
  auto doubled = [](const auto& v) { return v * 2.0; };
#endif
  return close(tt::gradient(tt::sin(doubled(theta)), theta), 2.0 * std::cos(0.6));
}
const add_case add_case3{"E02 stop_gradient in a lambda", case3};
#endif

// case 4: TT-E02 | kind: round/floor/ceil | name: weight | in: a helper template, float
#if !defined(CASE) || CASE == 4
template <class E>
auto quantized(const E& e) {
#if MISUSE
  return tt::round(e * 8.0f) / 8.0f;
#else
  return e + tt::stop_gradient(tt::round(e * 8.0f) / 8.0f - e);  // straight-through estimator
#endif
}
// the straight-through estimator's gradient is the identity's: d/dw 3 q(w) = 3
bool case4() {
  tt::variable<"weight", float> weight{0.3f};
  return tt::gradient(3.0f * quantized(weight), weight) == 3.0f;
}
const add_case add_case4{"E02 round in a helper, float", case4};
#endif

// case 5: TT-E02 | kind: a cast to an integer or bool | name: logits | in: a class member, tensor
#if !defined(CASE) || CASE == 5
struct classifier {
  tt::variable<"logits", T1> logits{T1{0.2, 1.7}};
  auto score() const {
#if MISUSE
    return tt::sum(tt::cast<double>(tt::cast<int>(logits * 2.0)));
#else
    return tt::sum(tt::cast<double>(logits * 2.0));
#endif
  }
};
// d/dl sum(2 l) = 2
bool case5() {
  const classifier c;
  const T1 g = tt::gradient(c.score(), c.logits);
  return g(0) == 2.0 && g(1) == 2.0;
}
const add_case add_case5{"E02 int cast in a class member, tensor", case5};
#endif

// case 6: TT-E03 | kind: plain number | name: - | in: a helper template
#if !defined(CASE) || CASE == 6
template <class Loss, class Source>
double derivative(const Loss& loss, const Source& s) {
  return tt::gradient(loss, s);
}
// d/dr exp(3 r) = 3 exp(3 r)
bool case6() {
  tt::variable<"rate"> rate{0.1};
  const double plain_rate = 0.1;
  auto loss = tt::exp(rate * 3.0);
#if MISUSE
  return close(derivative(loss, plain_rate), 3.0 * std::exp(0.3));
#else
  return close(derivative(loss, rate), 3.0 * std::exp(3.0 * plain_rate));
#endif
}
const add_case add_case6{"E03 a plain double as the source, in a helper", case6};
#endif

// case 7: TT-E03 | kind: is a plain tensor | name: - | in: a generic lambda, tensor
#if !defined(CASE) || CASE == 7
// d/dg sum(g * data) = data
bool case7() {
  const T1 data{1.0, 2.0};
  tt::variable<"gain", T1> gain{T1{0.5, 0.5}};
  auto loss = tt::sum(gain * data);
  auto grad_wrt = [&](const auto& s) { return tt::gradient(loss, s); };
#if MISUSE
  const T1 g = grad_wrt(data);
#else
  const T1 g = grad_wrt(gain);
#endif
  return g(0) == 1.0 && g(1) == 2.0;
}
const add_case add_case7{"E03 a plain tensor as the source, in a lambda", case7};
#endif

// case 8: TT-E04 | kind: needs an rvalue | name: decay | in: a helper taking the tape by reference
#if !defined(CASE) || CASE == 8
template <class Tape, class Y, class X>
double gradient_from(Tape& tape, const Y& y, const X& x) {
#if MISUSE
  return tape.gradient(y, x);
#else
  return std::move(tape).gradient(y, x);
#endif
}
// d/dk exp(-2k) = -2 exp(-2k)
bool case8() {
  tt::variable<"decay"> decay{0.5};
  auto y = tt::exp(-decay * 2.0);
  auto tape = tt::record(y);
  return close(gradient_from(tape, y, decay), -2.0 * std::exp(-1.0));
}
const add_case add_case8{"E04 a tape used as an lvalue in a helper", case8};
#endif

// case 9: TT-E05 | kind: not recorded on this tape | name: x_in | in: a generic lambda
#if !defined(CASE) || CASE == 9
// y = 3x: dy/dx = 3
bool case9() {
  tt::variable<"x_in"> x_in{2.0};
  auto y = x_in * 3.0;
  auto tape = tt::record<tt::persistent>(y);
  auto z = y * y;  // after the recording
  auto ask = [&](const auto& target) { return tape.gradient(target, x_in); };
#if MISUSE
  return ask(z) == 36.0;
#else
  return ask(y) == 3.0 && tt::eval(z) == 36.0;
#endif
}
const add_case add_case9{"E05 an unrecorded target, in a lambda", case9};
#endif

// case 10: TT-E06 | kind: data-dependent branch | name: - | in: a generic lambda, float
#if !defined(CASE) || CASE == 10
// relu(m) * 2 at m > 0: 2
bool case10() {
  tt::variable<"margin", float> margin{0.75f};
#if MISUSE
  auto relu = [](const auto& m) {
    const float on = m > 0.0f ? 1.0f : 0.0f;
    return on * m;
  };
#else
  auto relu = [](const auto& m) { return tt::where(m > 0.0f, m, 0.0f * m); };
#endif
  return tt::gradient(relu(margin) * 2.0f, margin) == 2.0f;
}
const add_case add_case10{"E06 a branch in a lambda, float", case10};
#endif

// case 11: TT-E06 | kind: data-dependent branch | name: - | in: a class member, tensor
#if !defined(CASE) || CASE == 11
struct gated {
  tt::variable<"gate_w", T1> gate_w{T1{1.0, -1.0}};
  template <class X>
  auto forward(const X& x) const {
    auto s = tt::sum(gate_w * x);
#if MISUSE
    const double on = s > 0.0 ? 1.0 : 0.1;
    return on * s;
#else
    return tt::where(s > 0.0, s, 0.1 * s);
#endif
  }
};
// s = 1*3 - 1*1 = 2 > 0, so d/dw s = x
bool case11() {
  const gated g;
  const T1 x{3.0, 1.0};
  const T1 gw = tt::gradient(g.forward(x), g.gate_w);
  return gw(0) == 3.0 && gw(1) == 1.0;
}
const add_case add_case11{"E06 a branch in a class member, tensor", case11};
#endif

// case 12: TT-E06 | kind: data-dependent branch | name: - | in: a layer's forward
#if !defined(CASE) || CASE == 12
struct leaky : tt::nn::layer<leaky> {
  tt::variable<"leak_W", T2> W{xt::ones<double>({2, 2})};
  auto params() { return std::tie(W); }
  template <class X>
  auto forward(const X& x) const {
    auto z = tt::matmul(x, W);
#if MISUSE
    const double k = tt::reduce_max(z) > 0.0 ? 1.0 : 0.01;
    return k * z;
#else
    return tt::where(z > 0.0, z, 0.01 * z);
#endif
  }
};
// z = x W = (2, 2) > 0: d/dW sum(z) = x^T 1 = ones
bool case12() {
  leaky layer;
  const T2 input = xt::ones<double>({1, 2});
  auto out = layer(input);
  const auto g = tt::gradient(tt::sum(out), layer.params());
  return std::get<0>(g) == T2(xt::ones<double>({2, 2}));
}
const add_case add_case12{"E06 a branch in a layer", case12};
#endif

// case 13: TT-E07 | kind: not a scalar | name: x_pos | in: a variadic lambda
#if !defined(CASE) || CASE == 13
// d/dx (x^2 + 3x) = 2x + 3 = 7
bool case13() {
  tt::variable<"x_pos"> x_pos{2.0};
  auto a = x_pos * x_pos;
  auto b = 3.0 * x_pos;
  auto total_gradient = [&](const auto&... t) {
#if MISUSE
    return tt::gradient(std::tie(t...), x_pos);
#else
    return tt::gradient(std::tie(t...), x_pos, tt::output_gradients(1.0, 1.0));
#endif
  };
  return total_gradient(a, b) == 7.0;
}
const add_case add_case13{"E07 a tuple target in a lambda", case13};
#endif

// case 14: TT-E07 | kind: the target is a tensor | name: - | in: a class member, tensor
#if !defined(CASE) || CASE == 14
struct field {
  tt::variable<"phi", T1> phi{T1{1.0, 2.0}};
  T1 energy_gradient() const {
#if MISUSE
    return tt::gradient(phi * phi, phi);
#else
    return tt::gradient(tt::sum(phi * phi), phi);
#endif
  }
};
// d/dphi sum(phi^2) = 2 phi
bool case14() {
  const field f;
  const T1 g = f.energy_gradient();
  return g(0) == 2.0 && g(1) == 4.0;
}
const add_case add_case14{"E07 a tensor target in a class member", case14};
#endif

// case 15: TT-E08 | kind: never | name: shift | in: a layer inside a model class
#if !defined(CASE) || CASE == 15
struct affine : tt::nn::layer<affine> {
  tt::variable<"scale_v", T1> scale_v{T1{2.0, 2.0}};
  tt::variable<"shift", T1> shift{T1{0.5, 0.5}};
  auto params() { return std::tie(scale_v, shift); }
  template <class X>
  auto forward(const X& x) const {
#if MISUSE
    return x * scale_v;  // shift forgotten
#else
    return x * scale_v + shift;
#endif
  }
};
struct model {
  affine first;
  template <class X>
  auto loss(const X& x) {
    return tt::sum(first(x));
  }
};
// d/dscale sum(x*s + t) = x, d/dshift = 1
bool case15() {
  model m;
  const T1 x{3.0, 4.0};
  const auto [gs, gt] = tt::gradient(m.loss(x), m.first.params());
  return gs(0) == 3.0 && gs(1) == 4.0 && gt(0) == 1.0;
}
const add_case add_case15{"E08 a layer's unused parameter, inside a model class", case15};
#endif

// case 16: TT-E09 | kind: temporary variable | name: k_gain | in: a helper template
#if !defined(CASE) || CASE == 16
template <class E>
auto amplified(const E& e) {
#if MISUSE
  return e * tt::variable<"k_gain">{2.0};
#else
  return e * 2.0;
#endif
}
// d/du 2u = 2
bool case16() {
  tt::variable<"u"> u{1.5};
  return tt::gradient(amplified(u), u) == 2.0;
}
const add_case add_case16{"E09 a temporary variable in a helper", case16};
#endif

// case 17: TT-E09 | kind: temporary layer | name: fc.W | in: a generic lambda
#if !defined(CASE) || CASE == 17
// d/db sum(x W + b) = 1
bool case17() {
  const T2 input = xt::ones<double>({1, 3});
  tt::nn::dense<"fc"> fc{3, 2};
#if MISUSE
  auto apply = [](const auto& x) { return tt::nn::dense<"fc">{3, 2}(x); };
#else
  auto apply = [&](const auto& x) { return fc(x); };
#endif
  auto out = apply(input);
  const auto g = tt::gradient(tt::sum(out), fc.params());
  return std::get<1>(g)(0) == 1.0 && std::get<1>(g)(1) == 1.0;
}
const add_case add_case17{"E09 a temporary layer in a lambda", case17};
#endif

// case 18: TT-E10 | kind: share this name | name: w | in: a class's members
#if !defined(CASE) || CASE == 18
// (Two members of one type and one name, variable<"w"> twice, are TT-E10 at run time, at
// recording: their types are the same, so only their addresses differ. test_tape.cpp.)
struct two_weights {
  tt::variable<"w"> first{1.0};
  tt::variable<"w2"> second{2.0};
  auto scaled() const {
#if MISUSE
    return tt::let<"w">(second * 3.0);  // a let named like the member w
#else
    return tt::let<"w3">(second * 3.0);
#endif
  }
  double first_gradient() const { return tt::gradient(first * scaled(), first); }
};
// d/da a (3 b) = 3 b = 6
bool case18() {
  const two_weights t;
  return t.first_gradient() == 6.0;
}
const add_case add_case18{"E10 a let named like a member", case18};
#endif

// A misuse inside a layer's forward is two levels below the user's line: the user's forward
// and the library's layer call, which instantiates forward (for the TT-E08 check). With the
// op's own frame that is three 3-line notes on clang, 15 lines (g++ 10). (TT-E06 is reported
// from a member of a class template, instantiated at the end of the file: one note.)
// case 19: TT-E12 | kind: cannot broadcast | name: - | in: a fixed-shape layer | clang: 15 lines
#if !defined(CASE) || CASE == 19
using F23 = xt::xtensor_fixed<double, xt::xshape<2, 3>>;
using F34 = xt::xtensor_fixed<double, xt::xshape<3, 4>>;
struct fixed_dense : tt::nn::layer<fixed_dense> {
  tt::variable<"Wf", F34> W{F34(xt::ones<double>({3, 4}))};
#if MISUSE
  tt::variable<"bf", xt::xtensor_fixed<double, xt::xshape<3>>> b{};
#else
  tt::variable<"bf", xt::xtensor_fixed<double, xt::xshape<4>>> b{};
#endif
  auto params() { return std::tie(W, b); }
  template <class X>
  auto forward(const X& x) const {
    return tt::matmul(x, W) + b;
  }
};
// d/dW sum(x W + b) = x^T 1 (2 everywhere: two rows of ones), d/db = 2
bool case19() {
  fixed_dense layer;
  const F23 x = xt::ones<double>({2, 3});
  const auto [gW, gb] = tt::gradient(tt::sum(layer(x)), layer.params());
  return gW(2, 3) == 2.0 && gb(0) == 2.0;
}
const add_case add_case19{"E12 a misfit bias in a fixed-shape layer", case19};
#endif

// case 20: TT-E13 | kind: axis is out of range | name: - | in: a helper template, tensor
#if !defined(CASE) || CASE == 20
template <int Axis, class E>
auto squared_norms_along(const E& e) {
  return tt::sum<Axis>(e * e);
}
// d/dm sum(m*m) = 2m
bool case20() {
  tt::variable<"mat", T2> mat{T2{{1.0, 2.0}, {3.0, 4.0}}};
#if MISUSE
  auto loss = tt::sum(squared_norms_along<2>(mat));
#else
  auto loss = tt::sum(squared_norms_along<1>(mat));
#endif
  const T2 g = tt::gradient(loss, mat);
  return g(1, 0) == 6.0;
}
const add_case add_case20{"E13 an axis out of range in a helper", case20};
#endif

// case 21: TT-E14 | kind: accumulated in a C++ loop | name: slope | in: a class member, loop
#if !defined(CASE) || CASE == 21
struct line_fit {
  tt::variable<"slope"> slope{0.5};
  std::vector<double> xs{1.0, 2.0}, ys{2.0, 3.0};
  double slope_gradient() const {
#if MISUSE
    auto loss = tt::square(slope * xs[0] - ys[0]);
    for (std::size_t i = 1; i < xs.size(); ++i) loss = loss + tt::square(slope * xs[i] - ys[i]);
#else
    auto loss = tt::sum_over<"i">(
        xs.size(), [&](auto i) { return tt::square(slope * tt::at(xs, i) - tt::at(ys, i)); });
#endif
    return tt::gradient(loss, slope);
  }
};
// d/ds sum (s x - y)^2 = sum 2 (s x - y) x = 2(-1.5)(1) + 2(-2)(2) = -11
bool case21() {
  const line_fit f;
  return f.slope_gradient() == -11.0;
}
const add_case add_case21{"E14 a loop accumulating in a class member", case21};
#endif

// case 22: TT-E15 | kind: different element types | name: - | in: a lambda, float and double
#if !defined(CASE) || CASE == 22
// d/dx sum(w x) = w^T: (1, 2)
bool case22() {
  tt::variable<"w_f", xt::xtensor<float, 2>> w_f{xt::xtensor<float, 2>{{1.f, 2.f}}};
  tt::variable<"x_d", T2> x_d{T2{{1.0}, {2.0}}};
  auto project = [](const auto& a, const auto& b) { return tt::matmul(a, b); };
#if MISUSE
  const T2 g = tt::gradient(tt::sum(project(w_f, x_d)), x_d);
#else
  const T2 g = tt::gradient(tt::sum(project(tt::cast<double>(w_f), x_d)), x_d);
#endif
  return g(0, 0) == 1.0 && g(1, 0) == 2.0;
}
const add_case add_case22{"E15 float times double in a lambda", case22};
#endif

// case 23: TT-E16 | kind: one tangent per source | name: - | in: a class member
#if !defined(CASE) || CASE == 23
struct sensitivity {
  tt::variable<"alpha"> alpha{2.0};
  tt::variable<"beta"> beta{3.0};
  double along_alpha() const {
#if MISUSE
    return tt::jvp(alpha * beta, std::tie(alpha, beta), std::tuple(1.0)).second;
#else
    return tt::jvp(alpha * beta, std::tie(alpha, beta), std::tuple(1.0, 0.0)).second;
#endif
  }
};
// d(a b) along (1, 0) = b = 3
bool case23() {
  const sensitivity s;
  return s.along_alpha() == 3.0;
}
const add_case add_case23{"E16 a tangent short in a class member", case23};
#endif

// case 24: TT-E01 | kind: does not use this source | name: mu_hat | in: a tt::sum_over loop body
#if !defined(CASE) || CASE == 24
// d/dmu sum (y - mu)^2 / s^2 = -2 sum(y - mu) / s^2 = -2 (0 + 2) / 4 = -1
bool case24() {
  tt::variable<"mu_hat"> mu_hat{1.0};
  tt::variable<"sigma"> sigma{2.0};
  const std::vector<double> y{1.0, 3.0};
#if MISUSE
  auto nll = tt::sum_over<"i">(y.size(),
                               [&](auto i) { return tt::square(tt::at(y, i)) / (sigma * sigma); });
#else
  auto nll = tt::sum_over<"i">(
      y.size(), [&](auto i) { return tt::square(tt::at(y, i) - mu_hat) / (sigma * sigma); });
#endif
  const auto [gm, gs] = tt::gradient(nll, std::tie(mu_hat, sigma));
  return gm == -1.0 && gs < 0.0;
}
const add_case add_case24{"E01 in a loop body", case24};
#endif

// case 25: TT-E02 | kind: stop_gradient | name: state0 | in: a tt::fold body
#if !defined(CASE) || CASE == 25
// x_(t+1) = k x_t + f_t: d x_3 / d x_0 = k^3 = 0.125
bool case25() {
  tt::variable<"state0"> state0{1.0};
  tt::variable<"k"> k{0.5};
  const std::vector<double> f{0.1, 0.2, 0.3};
#if MISUSE
  auto step = [&](auto x, auto t) { return tt::stop_gradient(x) * k + tt::at(f, t); };
#else
  auto step = [&](auto x, auto t) { return x * k + tt::at(f, t); };
#endif
  auto last = tt::fold<"t">(f.size(), state0, step);
  const auto [g0, gk] = tt::gradient(last, std::tie(state0, k));
  return g0 == 0.125 && gk > 0.0;
}
const add_case add_case25{"E02 stop_gradient in a fold body", case25};
#endif

}  // namespace

int main() {
  int failed = 0;
  for (const auto& [what, check] : registry())
    if (!check()) {
      std::printf("FAIL: %s: not TensorFlow's value\n", what);
      ++failed;
    }
  std::printf("%zu legitimate programs, %d wrong\n", registry().size(), failed);
  return failed == 0 ? 0 : 1;
}
