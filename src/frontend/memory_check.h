// Resource limit for imported models: the tensors a model declares (constants plus every value at batch 1,
// as if none shared memory) must fit the memory budget of core/memory_limit.h. Checked right after shape
// inference, before the runtime allocates anything, so an absurd model gets a clear error instead of the
// OOM killer.
#pragma once
#include <set>
#include <string>

#include "core/error.h"
#include "core/memory_limit.h"
#include "ir/graph.h"

namespace qd::frontend {

inline double declared_tensor_bytes(const ir::Graph& g) {
  std::set<ir::ValueId> ids(g.inputs().begin(), g.inputs().end());
  for (const ir::Node& node : g.nodes()) {
    ids.insert(node.inputs.begin(), node.inputs.end());
    ids.insert(node.outputs.begin(), node.outputs.end());
  }
  ids.erase(ir::kNoValue);
  double total = 0;
  for (ir::ValueId id : ids) {
    const ir::Value& v = g.value(id);
    double n = 1;
    for (int64_t d : v.shape) n *= d < 0 ? 1.0 : static_cast<double>(d);  // symbolic dims (batch) count as 1
    total += n * static_cast<double>(dtype_size(v.dtype));
  }
  return total;
}

// Throws "<file>: the model's tensors need <n>, more than the memory limit (...)".
inline void check_model_memory(const ir::Graph& g, const std::string& file) {
  try {
    check_memory_budget(declared_tensor_bytes(g), "the model's tensors (weights + activations at batch 1)");
  } catch (const Error& e) {
    throw Error(e.kind(), file + ": " + e.what());
  }
}

}  // namespace qd::frontend
