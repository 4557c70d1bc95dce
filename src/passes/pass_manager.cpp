#include "ir/shape_inference.h"
#include "passes/pass.h"

namespace qd::passes {

void PassManager::run(ir::Graph& g) {
  for (auto& p : passes_) {
    if (p->run(g)) {
      g.sort_topologically();
      ir::infer_shapes(g);
    }
  }
}

}  // namespace qd::passes
