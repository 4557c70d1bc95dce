// Folds a Mul by a constant per-output-channel scale ([C,1,1], [1,C,1,1] or a scalar) into the Conv
// that produces its other input (ConvNeXt's layer scale): weights and bias are multiplied, the Conv
// writes the Mul's output. Only when the Conv has no fused activation and its output no other reader.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FoldScaleIntoConv : public Pass {
 public:
  std::string name() const override { return "fold_scale_into_conv"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
