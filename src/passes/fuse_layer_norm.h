// Fuses the decomposed LayerNorm PyTorch exports before opset 17 into one LayerNorm node:
//   mean = ReduceMean(x, axes); d = x - mean; var = ReduceMean(d ** 2, axes); y = d / Sqrt(var + eps)
//   [then y * gamma] [then + beta]
// over trailing axes with keepdims, gamma/beta constants of the normalised size. The LayerNorm writes
// the pattern's last output value; intermediate values must have no other reader.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseLayerNorm : public Pass {
 public:
  std::string name() const override { return "fuse_layer_norm"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
