// How many int8 weight scales ncnn stores for a layer: shared by the table reader and writer.
#pragma once
#include "ir/graph.h"

namespace qd::ncnn {

// Number of weight scales ncnn expects for a quantizable node (Conv: out channels, or groups when
// group > 1; Gemm: output features). Throws unsupported for other nodes.
int ncnn_weight_scale_count(const ir::Graph& g, const ir::Node& n);

}  // namespace qd::ncnn
