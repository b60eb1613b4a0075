// typetape's layers and optimizers: tensors (<typetape/tensor.hpp>), scan, and
// tt::nn::{dense, rnn_cell, lstm_cell, conv2d, layer, sgd, adam}.
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

// As in tensor.hpp: the headers whose static_asserts users see are included from here
// directly (not through tensor.hpp), so that a diagnostic in a file that includes this
// header has the same two-line include chain as one that includes tensor.hpp.
#include "core/node.hpp"
#include "core/closure.hpp"
#include "tape/tape.hpp"
#include "core/sum_chain.hpp"
#include "ops/arithmetic.hpp"
#include "ops/elementwise.hpp"
#include "ops/control.hpp"
#include "ops/loop.hpp"
#include "ops/reduce.hpp"
#include "ops/shape.hpp"
#include "ops/linalg.hpp"
#include "ops/conv.hpp"
#include "ops/nn.hpp"
#include "ops/scan.hpp"
#include "nn/layers.hpp"
#include "nn/optimizers.hpp"
#include "tensor.hpp"

#endif  // TYPETAPE_LANGUAGE_OK
