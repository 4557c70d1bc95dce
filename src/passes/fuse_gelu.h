// Fuses the exact-GELU pattern PyTorch exports, x * 0.5 * (1 + Erf(x / sqrt(2))) (any order of the two
// Muls; x / sqrt(2) may be x * (1/sqrt(2))), into one Gelu node writing the pattern's output value.
// Intermediate values must have no other reader.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseGelu : public Pass {
 public:
  std::string name() const override { return "fuse_gelu"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
