// Evaluates nodes whose inputs are all constants (see constant_eval.h for which ops) and turns their
// outputs into constants. Nodes writing a graph output are left alone so outputs stay computed values.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FoldConstants : public Pass {
 public:
  std::string name() const override { return "fold_constants"; }
  bool run(ir::Graph& g) override;
};

// Folds node `id` of `g` when possible (all inputs constant, an evaluator exists, no output is a
// graph output): sets its outputs' constants and returns true; the caller erases the node.
// Evaluation errors are rethrown as user errors naming the node.
bool try_fold_node(ir::Graph& g, ir::NodeId id);

}  // namespace qd::passes
