// Rewrites x * HardSigmoid(x; alpha 1/6, beta 1/2) — how PyTorch exports nn.Hardswish before ONNX opset 14 —
// as one HardSwish(x), so it fuses into the producing convolution like any activation (MobileNetV3) instead
// of running as two element-wise steps with x read twice.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseHardSwish : public Pass {
 public:
  std::string name() const override { return "fuse_hard_swish"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
