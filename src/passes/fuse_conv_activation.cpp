#include "passes/fuse_conv_activation.h"

namespace qd::passes {

namespace {

// The fused-activation slot of a Conv or Gemm node, or nullptr for other ops.
std::optional<ir::FusedActivation>* activation_slot(ir::Node& n) {
  if (n.op == ir::OpKind::Conv) return &n.attr<ir::ConvAttrs>().activation;
  if (n.op == ir::OpKind::Gemm) return &n.attr<ir::GemmAttrs>().activation;
  return nullptr;
}

ir::FusedActivation to_fused(const ir::Node& act) {
  ir::FusedActivation f;
  f.kind = act.op;
  if (const auto* a = std::get_if<ir::ActAttrs>(&act.attrs)) {
    f.alpha = a->alpha;
    f.beta = a->beta;
  }
  return f;
}

}  // namespace

bool FuseConvActivation::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& act = g.node(static_cast<ir::NodeId>(i));
    if (!ir::is_activation(act.op) || act.inputs.empty() || act.outputs.size() != 1) continue;
    ir::ValueId x = act.inputs[0];
    if (x == ir::kNoValue) continue;
    ir::NodeId p = g.producer(x);
    if (p < 0) continue;
    auto* slot = activation_slot(g.node(p));
    if (!slot || slot->has_value()) continue;
    if (g.node(p).outputs.size() != 1 || g.consumers(x).size() != 1 || g.is_graph_output(x)) continue;
    *slot = to_fused(act);
    g.node(p).outputs[0] = act.outputs[0];
    dead.push_back(static_cast<ir::NodeId>(i));
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
