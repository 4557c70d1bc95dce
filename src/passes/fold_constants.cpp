#include "passes/fold_constants.h"

#include "passes/constant_eval.h"

namespace qd::passes {

bool try_fold_node(ir::Graph& g, ir::NodeId id) {
  const ir::Node& n = g.node(id);
  std::vector<Tensor> inputs;
  bool any_input = false;
  for (ir::ValueId v : n.inputs) {
    if (v == ir::kNoValue) {
      inputs.emplace_back();
      continue;
    }
    if (!g.value(v).is_constant()) return false;
    inputs.push_back(g.value(v).constant);
    any_input = true;
  }
  if (!any_input) return false;
  for (ir::ValueId o : n.outputs)
    if (g.is_graph_output(o)) return false;
  std::optional<std::vector<Tensor>> out;
  try {
    out = evaluate_node(n, inputs);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal) throw;
    throw Error(e.kind(), "node '" + n.name + "' (" + std::string(ir::op_name(n.op)) + "): " + e.what());
  }
  if (!out) return false;
  if (out->size() < n.outputs.size()) return false;  // e.g. a Dropout mask: left to the runtime
  for (size_t i = 0; i < n.outputs.size() && i < out->size(); ++i) {
    ir::Value& v = g.value(n.outputs[i]);
    v.constant = (*out)[i];
    v.dtype = v.constant.dtype();
    v.shape = v.constant.shape();
  }
  return true;
}

bool FoldConstants::run(ir::Graph& g) {
  std::vector<ir::NodeId> folded;
  // Topological order: a folded node's outputs are constants by the time their readers are visited.
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (try_fold_node(g, static_cast<ir::NodeId>(i))) folded.push_back(static_cast<ir::NodeId>(i));
  g.erase_nodes(folded);
  return !folded.empty();
}

}  // namespace qd::passes
