// Rewrites self-gated products as one activation: x * HardSigmoid(x; 1/6, 1/2) (how PyTorch exports
// nn.Hardswish before ONNX opset 14) -> HardSwish(x), and x * Sigmoid(x) (nn.SiLU) -> Swish(x). They then
// fuse into the producing convolution like any activation (MobileNetV3, EfficientNet) instead of running as
// two element-wise steps with x read twice.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseGatedActivation : public Pass {
 public:
  std::string name() const override { return "fuse_gated_activation"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
