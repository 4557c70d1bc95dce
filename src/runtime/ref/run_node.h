// Runs one IR node with the reference kernels. Shared by the reference executor and the oneDNN
// executor's fallback for ops without a oneDNN mapping.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"
#include "ir/quant_params.h"
#include "runtime/executor.h"

namespace qd::runtime::ref {

// `inputs` are the node's inputs in slot order (an empty Tensor for an omitted optional input), plain
// f32. Output shapes of pure data ops (Flatten/Reshape/Squeeze/Unsqueeze) are taken from the graph.
// With `quant` (a Conv/Gemm listed in the model's QuantParams) and mode real/simulate, the node runs the
// exact int8 arithmetic or the fp32 fake-quantized version (see ref/int8.h).
std::vector<Tensor> run_node(const ir::Graph& g, const ir::Node& node, const std::vector<Tensor>& inputs,
                             const ir::LayerQuant* quant = nullptr, Int8Mode mode = Int8Mode::off);

}  // namespace qd::runtime::ref
