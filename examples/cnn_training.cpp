// A small convolutional network trained with typetape on images made here: 12x12
// grey images of a bar (horizontal, vertical or diagonal) at a random place, under
// noise. Two conv2d layers (SAME, then stride 2), ReLU, a global average, a dense
// read-out, softmax cross-entropy, Adam. Prints the loss and validation accuracy per
// epoch; exits 1 if the final accuracy is below 90%.
#include <chrono>
#include <cstdio>
#include <random>
#include <typetape/nn.hpp>

using T2 = xt::xtensor<double, 2>;
using T4 = xt::xtensor<double, 4>;

namespace {

constexpr std::size_t side = 12, classes = 3, batch = 32;

struct images {
  T4 x;  // [batch, side, side, 1]
  T2 y;  // [batch, classes], one-hot
  std::vector<std::size_t> label;
};

images make(std::mt19937_64& gen) {
  std::uniform_int_distribution<int> cls(0, classes - 1), pos(2, side - 3);
  std::normal_distribution<double> noise(0.0, 0.5);
  images d{T4::from_shape({batch, side, side, 1}), xt::zeros<double>({batch, classes}), {}};
  for (std::size_t b = 0; b < batch; ++b) {
    const int c = cls(gen), p = pos(gen);
    for (std::size_t i = 0; i < side; ++i)
      for (std::size_t j = 0; j < side; ++j) {
        const int ii = int(i), jj = int(j);
        const bool on = c == 0 ? ii == p : c == 1 ? jj == p : ii - jj == p - int(side) / 2;
        d.x(b, i, j, 0) = (on ? 1.0 : 0.0) + noise(gen);
      }
    d.y(b, std::size_t(c)) = 1.0;
    d.label.push_back(std::size_t(c));
  }
  return d;
}

struct cnn {
  tt::nn::conv2d<"conv1"> conv1{3, 3, 1, 8, {.stride = 1, .pad = tt::padding::same}, 3};
  tt::nn::conv2d<"conv2"> conv2{3, 3, 8, 8, {.stride = 2, .pad = tt::padding::same}, 4};
  tt::nn::dense<"out"> out{8, classes, 5};
  auto params() { return std::tuple_cat(conv1.params(), conv2.params(), out.params()); }
  template <class X>
  auto logits(const X& x) const {
    auto features = tt::relu(conv2(tt::relu(conv1(x))));  // [batch, 6, 6, 8]
    return out(tt::mean<1>(tt::mean<1>(features)));       // global average: [batch, 8]
  }
};

double accuracy(const cnn& m, const images& d) {
  const T2 z = tt::eval(m.logits(d.x));
  std::size_t right = 0;
  for (std::size_t b = 0; b < batch; ++b) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < classes; ++k)
      if (z(b, k) > z(b, best)) best = k;
    right += best == d.label[b];
  }
  return double(right) / double(batch);
}

}  // namespace

int main() {
  std::mt19937_64 gen(11);
  cnn m;
  std::vector<images> valid;
  for (int i = 0; i < 4; ++i) valid.push_back(make(gen));
  tt::nn::adam opt{.lr = 0.02};
  const auto start = std::chrono::steady_clock::now();
  double acc = 0;
  for (int epoch = 1; epoch <= 12; ++epoch) {
    double loss_sum = 0;
    for (int i = 0; i < 20; ++i) {
      const images d = make(gen);
      auto loss = tt::cross_entropy(m.logits(d.x), d.y);
      auto [value, grads] = tt::value_and_gradient(loss, m.params());
      loss_sum += value / 20;
      opt.step(m.params(), grads);
    }
    acc = 0;
    for (const auto& v : valid) acc += accuracy(m, v) / double(valid.size());
    std::printf("epoch %2d  loss %.4f  validation accuracy %5.1f%%  (%.1f s)\n", epoch, loss_sum,
                100 * acc,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return acc >= 0.9 ? 0 : 1;
}
