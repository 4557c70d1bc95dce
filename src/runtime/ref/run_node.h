// Runs one IR node with the reference kernels. Shared by the reference executor and the oneDNN
// executor's fallback for ops without a oneDNN mapping.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace qd::runtime::ref {

// `inputs` are the node's inputs in slot order (an empty Tensor for an omitted optional input), plain
// f32. Output shapes of pure data ops (Flatten/Reshape/Squeeze/Unsqueeze) are taken from the graph.
std::vector<Tensor> run_node(const ir::Graph& g, const ir::Node& node, const std::vector<Tensor>& inputs);

}  // namespace qd::runtime::ref
