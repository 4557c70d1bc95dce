// Rewrites a channels-last detour of an NCHW network, as ConvNeXt writes it,
//   Transpose(0,2,3,1) -> [LayerNorm over C | MatMul by a constant [C,K] | Add/Mul by a constant [C]
//   or scalar | Gelu, Relu, ... ] -> Transpose(0,3,1,2)
// into the same computation on NCHW: LayerNorm over axis 1, 1x1 Conv (bias from a following Add), per
// channel Add/Mul constants shaped [C,1,1], the elementwise ops unchanged. The Linear layers thereby
// become convolutions (quantized like any Conv) and both transposes disappear. Only chains whose
// intermediate values have one reader are rewritten; the last node writes the second Transpose's output.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class RewriteChannelsLastChain : public Pass {
 public:
  std::string name() const override { return "rewrite_channels_last_chain"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
