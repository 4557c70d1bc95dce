// Shape inference for every op of the IR.
#pragma once
#include "ir/graph.h"

namespace qd::ir {

// Recomputes dtype and shape of every node output from the graph inputs' and constants' shapes,
// in topological order (call sort_topologically() first). A symbolic batch dimension (kDynamicDim)
// propagates. Throws qd::Error (user) naming the node when input shapes are incompatible.
void infer_shapes(Graph& g);

// Returns a copy of `g` whose graph inputs have batch dimension `batch` and whose shapes are re-inferred.
Graph with_batch(const Graph& g, int64_t batch);

}  // namespace qd::ir
