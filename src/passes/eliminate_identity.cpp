#include "passes/eliminate_identity.h"

#include <algorithm>

namespace qd::passes {

namespace {

// Identity, Dropout (inference), and a Pad that pads nothing (PyTorch exports AvgPool2d with
// count_include_pad as Pad + AveragePool even when the padding is 0, e.g. DenseNet's transitions).
bool is_identity(const ir::Node& n) {
  if (n.op == ir::OpKind::Identity || n.op == ir::OpKind::Dropout) return true;
  if (n.op != ir::OpKind::Pad) return false;
  const auto& pads = n.attr<ir::PadAttrs>().pads;
  return std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
}

}  // namespace

bool EliminateIdentity::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    ir::Node& n = g.node(static_cast<ir::NodeId>(i));
    if (!is_identity(n)) continue;
    if (n.inputs.empty() || n.inputs[0] == ir::kNoValue || n.outputs.empty()) continue;
    ir::ValueId src = n.inputs[0], dst = n.outputs[0];
    // A Dropout mask output that something reads cannot be removed here.
    bool extra_outputs_used = false;
    for (size_t k = 1; k < n.outputs.size(); ++k)
      extra_outputs_used =
          extra_outputs_used || !g.consumers(n.outputs[k]).empty() || g.is_graph_output(n.outputs[k]);
    if (extra_outputs_used) continue;
    if (g.is_graph_output(dst)) {
      ir::NodeId p = g.producer(src);
      if (p < 0 || g.is_graph_output(src)) continue;
      // The producer now writes the graph output directly; other readers of src follow.
      for (ir::ValueId& o : g.node(p).outputs)
        if (o == src) o = dst;
      g.replace_uses(src, dst);
      g.value(dst).shape = g.value(src).shape;
      g.value(dst).dtype = g.value(src).dtype;
      n.inputs[0] = dst;  // keep the dead node self-consistent until it is erased
    } else {
      g.replace_uses(dst, src);
    }
    dead.push_back(static_cast<ir::NodeId>(i));
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
