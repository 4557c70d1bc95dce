#include "passes/pattern_match.h"

#include <algorithm>

namespace qd::passes {

ir::NodeId producer_of(const ir::Graph& g, ir::ValueId v, ir::OpKind op) {
  if (v == ir::kNoValue) return -1;
  const ir::NodeId p = g.producer(v);
  return p >= 0 && g.node(p).op == op ? p : -1;
}

ir::NodeId sole_consumer(const ir::Graph& g, ir::ValueId v) {
  const std::vector<ir::NodeId> c = g.consumers(v);
  return c.size() == 1 && !g.is_graph_output(v) ? c[0] : -1;
}

bool read_only_by(const ir::Graph& g, ir::ValueId v, ir::NodeId n) {
  if (g.is_graph_output(v)) return false;
  const std::vector<ir::NodeId> c = g.consumers(v);
  return !c.empty() && std::all_of(c.begin(), c.end(), [&](ir::NodeId k) { return k == n; });
}

std::optional<float> scalar_constant(const ir::Graph& g, ir::ValueId v) {
  if (v == ir::kNoValue) return std::nullopt;
  const ir::Value& val = g.value(v);
  if (!val.is_constant() || val.constant.numel() != 1 || val.constant.dtype() != DataType::f32)
    return std::nullopt;
  return val.constant.data<float>()[0];
}

ir::ValueId other_input(const ir::Node& n, ir::ValueId x) {
  if (n.inputs.size() != 2 || n.inputs[0] == n.inputs[1]) return ir::kNoValue;
  if (n.inputs[0] == x) return n.inputs[1];
  if (n.inputs[1] == x) return n.inputs[0];
  return ir::kNoValue;
}

std::optional<std::vector<int64_t>> reduce_mean_kept_axes(const ir::Graph& g, const ir::Node& n) {
  if (n.op != ir::OpKind::ReduceMean || n.inputs.empty()) return std::nullopt;
  const auto& a = n.attr<ir::ReduceAttrs>();
  if (!a.keepdims) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(g.value(n.inputs[0]).shape.size());
  std::vector<int64_t> axes = a.axes;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  for (int64_t& ax : axes) {
    if (ax < 0) ax += rank;
    if (ax < 0 || ax >= rank) return std::nullopt;
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

}  // namespace qd::passes
