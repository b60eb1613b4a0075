// typetape's layers and optimizers: tensors (<typetape/tensor.hpp>), scan, and
// tt::nn::{dense, rnn_cell, lstm_cell, conv2d, layer, sgd, adam}.
#pragma once

#include "tensor.hpp"
#include "nn/layers.hpp"
#include "nn/optimizers.hpp"
