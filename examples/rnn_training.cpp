// Training a recurrent network with typetape: tt::scan over time (backpropagation
// through time), a dense read-out, Adam. The task is made here, no download: each
// sequence is a sine wave of its own frequency, phase and amplitude, and the network
// sees it one value at a time and predicts the next value at every step. A network
// must work out each sequence's frequency from what it has seen so far.
//
//   rnn_training [--cell rnn|lstm] [--epochs N] [--csv FILE] [--quiet]
//
// Prints one line per epoch (training and validation loss), then the validation loss
// curve as a sparkline; exits 1 if the final validation loss is not below the stated
// threshold (so the tests run it as a check), and writes the curve to FILE if asked.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <typetape/nn.hpp>
#include <vector>

using T2 = xt::xtensor<double, 2>;
using T3 = xt::xtensor<double, 3>;

namespace {

constexpr std::size_t steps = 40, batch = 32, hidden = 24;
constexpr double threshold = 0.002;  // the validation MSE training must reach (README)

struct batch_data {
  T3 xs;      // [steps, batch, 1]: the wave so far
  T2 target;  // [steps * batch, 1]: the next value, for every step
};

batch_data make_batch(std::mt19937_64& gen) {
  std::uniform_real_distribution<double> freq(0.15, 0.45), phase(0.0, 6.283185307179586),
      amp(0.5, 1.0);
  batch_data d{T3::from_shape({steps, batch, 1}), T2::from_shape({steps * batch, 1})};
  for (std::size_t b = 0; b < batch; ++b) {
    const double w = freq(gen), p = phase(gen), a = amp(gen);
    for (std::size_t t = 0; t < steps; ++t) {
      d.xs(t, b, 0) = a * std::sin(w * double(t) + p);
      d.target(t * batch + b, 0) = a * std::sin(w * double(t + 1) + p);
    }
  }
  return d;
}

/// The model: a recurrent cell over the sequence, the same read-out at every step.
template <class Cell>
struct model {
  Cell cell{1, hidden, 7};
  tt::nn::dense<"readout"> readout{hidden, 1, 8};
  tt::variable<"h0", T2> h0{xt::zeros<double>({batch, hidden})};  // learnt too
  auto params() { return std::tuple_cat(cell.params(), readout.params(), std::tie(h0)); }

  /// mse of the predictions at every step; the states are [steps, batch, hidden].
  template <class Xs>
  auto loss(const Xs& xs, const T2& target) {
    auto hs = [&] {
      if constexpr (requires { cell.hidden(); })  // an LSTM's state is (h, c); c starts at 0
        return tt::scan<"seq", tt::all_steps>(cell, std::tie(h0, c0), xs);
      else
        return tt::scan<"seq", tt::all_steps>(cell, h0, xs);
    }();
    return tt::mse(readout(tt::reshape(hs, {steps * batch, hidden})), target);
  }
  const T2 c0 = xt::zeros<double>({batch, hidden});
};

std::string sparkline(const std::vector<double>& v) {
  static const char* bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double lo = std::log(v[0]), hi = lo;
  for (double x : v) {
    lo = std::min(lo, std::log(x));
    hi = std::max(hi, std::log(x));
  }
  std::string s;
  for (double x : v)
    s += bars[hi > lo ? std::min<int>(7, int((std::log(x) - lo) / (hi - lo) * 8)) : 0];
  return s;
}

template <class Cell>
int train(const char* name, int epochs, const char* csv, bool quiet) {
  std::mt19937_64 gen(2026);
  model<Cell> m;
  const batch_data valid = make_batch(gen);
  // the baseline a network must beat: predict that the wave stays where it is
  double still = 0;
  for (std::size_t t = 0; t < steps; ++t)
    for (std::size_t b = 0; b < batch; ++b)
      still += std::pow(valid.target(t * batch + b, 0) - valid.xs(t, b, 0), 2);
  still /= double(steps * batch);
  std::printf(
      "%s, hidden %zu, %zu steps, batches of %zu sequences; validation loss of 'no change': %.5f\n",
      name, hidden, steps, batch, still);

  tt::nn::adam opt{.lr = 0.01};
  std::vector<double> curve;
  const auto start = std::chrono::steady_clock::now();
  constexpr int batches_per_epoch = 16;
  for (int e = 1; e <= epochs; ++e) {
    double train_loss = 0;
    for (int i = 0; i < batches_per_epoch; ++i) {
      const batch_data d = make_batch(gen);
      auto loss = m.loss(d.xs, d.target);
      auto [value, grads] = tt::value_and_gradient(loss, m.params());
      train_loss += value / batches_per_epoch;
      opt.step(m.params(), grads);
    }
    const double v = tt::eval(m.loss(valid.xs, valid.target));
    curve.push_back(v);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!quiet || e == epochs)
      std::printf("epoch %3d  train %.5f  validation %.5f  (%.1f s)\n", e, train_loss, v, secs);
  }
  std::printf("validation loss by epoch (log scale): %s\n", sparkline(curve).c_str());
  if (csv != nullptr) {
    std::ofstream f(csv);
    f << "epoch,validation_mse\n";
    for (std::size_t i = 0; i < curve.size(); ++i) f << i + 1 << "," << curve[i] << "\n";
  }
  const bool ok = curve.back() < threshold;
  std::printf("final validation loss %.5f: %s the threshold %.4f (%.0fx below 'no change')\n",
              curve.back(), ok ? "below" : "NOT below", threshold, still / curve.back());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cell = "rnn";
  int epochs = 80;
  const char* csv = nullptr;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--cell") && i + 1 < argc)
      cell = argv[++i];
    else if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc)
      epochs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else if (!std::strcmp(argv[i], "--quiet"))
      quiet = true;
    else {
      std::fprintf(stderr,
                   "usage: rnn_training [--cell rnn|lstm] [--epochs N] [--csv FILE] [--quiet]\n");
      return 2;
    }
  }
  if (cell == "lstm") return train<tt::nn::lstm_cell<"lstm">>("LSTM", epochs, csv, quiet);
  return train<tt::nn::rnn_cell<"rnn">>("RNN (tanh)", epochs, csv, quiet);
}
