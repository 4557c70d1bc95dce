// Removes Identity, Dropout (inference: identity) and all-zero Pad nodes by rewiring their readers to the
// input.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class EliminateIdentity : public Pass {
 public:
  std::string name() const override { return "eliminate_identity"; }
  // When the node's output is a graph output, the producer of the input is renamed to write that
  // output instead, so graph output names survive. An identity from a graph input or constant straight
  // to a graph output is kept (there is no producer to rename).
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
