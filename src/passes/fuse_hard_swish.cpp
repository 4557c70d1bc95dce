#include "passes/fuse_hard_swish.h"

#include <cmath>

namespace qd::passes {

namespace {

// True when `v` is produced by HardSigmoid(x; 1/6, 1/2) read by nothing else, writing its node id to `hs`.
bool is_private_hard_sigmoid_of(const ir::Graph& g, ir::ValueId v, ir::ValueId x, ir::NodeId& hs) {
  hs = g.producer(v);
  if (hs < 0) return false;
  const ir::Node& n = g.node(hs);
  if (n.op != ir::OpKind::HardSigmoid || n.inputs.size() != 1 || n.inputs[0] != x) return false;
  const auto& a = n.attr<ir::ActAttrs>();
  if (std::fabs(a.alpha - 1.f / 6.f) > 1e-6f || a.beta != 0.5f) return false;
  return g.consumers(v).size() == 1 && !g.is_graph_output(v);
}

}  // namespace

bool FuseHardSwish::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    ir::Node& mul = g.node(static_cast<ir::NodeId>(i));
    if (mul.op != ir::OpKind::Mul || mul.inputs.size() != 2 || mul.outputs.size() != 1) continue;
    for (int side = 0; side < 2; ++side) {
      const ir::ValueId x = mul.inputs[side], gate = mul.inputs[1 - side];
      ir::NodeId hs = -1;
      if (!is_private_hard_sigmoid_of(g, gate, x, hs)) continue;
      mul.op = ir::OpKind::HardSwish;
      mul.inputs = {x};
      mul.attrs = {};
      dead.push_back(hs);
      break;
    }
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
