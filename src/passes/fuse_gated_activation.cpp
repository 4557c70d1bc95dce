#include "passes/fuse_gated_activation.h"

#include <cmath>
#include <optional>

namespace qd::passes {

namespace {

// The activation that x * gate is, when `gate` is a self-gate of x (HardSigmoid(x; 1/6, 1/2) or Sigmoid(x))
// read by nothing else; its node id goes to `gate_node`.
std::optional<ir::OpKind> gated_activation(const ir::Graph& g, ir::ValueId gate, ir::ValueId x,
                                           ir::NodeId& gate_node) {
  gate_node = g.producer(gate);
  if (gate_node < 0 || g.consumers(gate).size() != 1 || g.is_graph_output(gate)) return std::nullopt;
  const ir::Node& n = g.node(gate_node);
  if (n.inputs.size() != 1 || n.inputs[0] != x) return std::nullopt;
  if (n.op == ir::OpKind::Sigmoid) return ir::OpKind::Swish;
  if (n.op != ir::OpKind::HardSigmoid) return std::nullopt;
  const auto& a = n.attr<ir::ActAttrs>();
  if (std::fabs(a.alpha - 1.f / 6.f) > 1e-6f || a.beta != 0.5f) return std::nullopt;
  return ir::OpKind::HardSwish;
}

}  // namespace

bool FuseGatedActivation::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    ir::Node& mul = g.node(static_cast<ir::NodeId>(i));
    if (mul.op != ir::OpKind::Mul || mul.inputs.size() != 2 || mul.outputs.size() != 1) continue;
    for (int side = 0; side < 2; ++side) {
      const ir::ValueId x = mul.inputs[side], gate = mul.inputs[1 - side];
      ir::NodeId gate_node = -1;
      const std::optional<ir::OpKind> act = gated_activation(g, gate, x, gate_node);
      if (!act) continue;
      mul.op = *act;
      mul.inputs = {x};
      mul.attrs = {};
      dead.push_back(gate_node);
      break;
    }
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
