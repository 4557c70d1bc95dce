#include "runtime/prepare_graph.h"

#include "ir/shape_inference.h"

namespace qd::runtime {

ir::Graph prepare_graph(const ir::Graph& g, int64_t batch) {
  if (batch < 1) fail("", "batch size must be at least 1 (got " + std::to_string(batch) + ")");
  ir::Graph out = ir::with_batch(g, batch);
  out.sort_topologically();
  for (const ir::Node& n : out.nodes())
    for (ir::ValueId v : n.outputs)
      if (v != ir::kNoValue && !shape_is_static(out.value(v).shape))
        fail_unsupported("", "value '" + out.value(v).name + "' has a dynamic shape " +
                                 shape_str(out.value(v).shape) + " after fixing the batch size");
  return out;
}

std::vector<bool> tapped_values(const ir::Graph& g) {
  std::vector<bool> t(g.num_values(), false);
  for (const ir::Node& n : g.nodes())
    if (n.op == ir::OpKind::Conv || n.op == ir::OpKind::Gemm)
      if (!n.inputs.empty() && n.inputs[0] != ir::kNoValue && !g.value(n.inputs[0]).is_constant())
        t[n.inputs[0]] = true;
  for (ir::ValueId v : g.outputs()) t[v] = true;
  return t;
}

}  // namespace qd::runtime
