// A loaded model: its graph plus the quantization side table (empty for fp32 models).
#pragma once
#include "ir/graph.h"
#include "ir/quant_params.h"

namespace qd::ir {

struct Model {
  Graph graph;
  QuantParams quant;
};

}  // namespace qd::ir
