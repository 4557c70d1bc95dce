// Removes nodes that no graph output depends on.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class RemoveDeadNodes : public Pass {
 public:
  std::string name() const override { return "remove_dead_nodes"; }
  bool run(ir::Graph& g) override { return g.remove_dead_nodes() > 0; }
};

}  // namespace qd::passes
