// Small graph-matching helpers shared by the fusion passes.
#pragma once
#include <optional>
#include <vector>

#include "ir/graph.h"

namespace qd::passes {

// The id of the node producing `v` when it is an `op` node, else -1.
ir::NodeId producer_of(const ir::Graph& g, ir::ValueId v, ir::OpKind op);
// The only node reading `v` (v read once and not a graph output), else -1.
ir::NodeId sole_consumer(const ir::Graph& g, ir::ValueId v);
// True when `v` is read only by `n` (any number of slots of that one node) and is not a graph output.
bool read_only_by(const ir::Graph& g, ir::ValueId v, ir::NodeId n);
// The value of a one-element f32 constant, else nullopt.
std::optional<float> scalar_constant(const ir::Graph& g, ir::ValueId v);
// For a two-input node reading `x`: its other input, or kNoValue when neither or both inputs are x.
ir::ValueId other_input(const ir::Node& n, ir::ValueId x);
// Axes a ReduceMean reduces (non-negative, sorted) when it keeps the reduced dims, else nullopt. The
// one place that reads ReduceMean's attributes, so fusions do not depend on how they are spelled.
std::optional<std::vector<int64_t>> reduce_mean_kept_axes(const ir::Graph& g, const ir::Node& n);

}  // namespace qd::passes
