// Fuses an activation (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Swish) into the Conv or Gemm
// that produces its input, when that output has exactly one reader and is not a graph output. The
// Conv/Gemm then writes the activation's output value, so value names stay those of the source model.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseConvActivation : public Pass {
 public:
  std::string name() const override { return "fuse_conv_activation"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
