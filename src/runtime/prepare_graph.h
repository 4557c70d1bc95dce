// Shared compile step of both backends: fix the batch size and order the nodes.
#pragma once
#include "ir/graph.h"

namespace qd::runtime {

// Copy of `g` with batch `batch` on every graph input, shapes re-inferred, nodes in topological order.
// Throws qd::Error if a value shape stays symbolic.
ir::Graph prepare_graph(const ir::Graph& g, int64_t batch);

// Value ids whose data a Tap must see: non-constant inputs of Conv/Gemm nodes and graph outputs.
std::vector<bool> tapped_values(const ir::Graph& g);

}  // namespace qd::runtime
