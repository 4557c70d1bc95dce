// Folds a BatchNormalization that directly follows a Conv (whose output nothing else reads) into the
// Conv's weights and bias:  s = gamma / sqrt(var + eps),  W'[o] = W[o] * s[o],
// b'[o] = (b[o] - mean[o]) * s[o] + beta[o]. Other BatchNormalization nodes are kept and run as ops.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FoldBatchNormIntoConv : public Pass {
 public:
  std::string name() const override { return "fold_batchnorm_into_conv"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
