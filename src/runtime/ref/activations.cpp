#include <algorithm>
#include <cmath>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

float activate(float x, const ir::FusedActivation& act) {
  switch (act.kind) {
    case ir::OpKind::Relu:
      return x > 0.f ? x : 0.f;
    case ir::OpKind::Clip:
      return std::min(std::max(x, act.alpha), act.beta);
    case ir::OpKind::LeakyRelu:
      return x >= 0.f ? x : act.alpha * x;
    case ir::OpKind::Sigmoid:
      return 1.f / (1.f + std::exp(-x));
    case ir::OpKind::HardSigmoid:
      return std::max(0.f, std::min(1.f, act.alpha * x + act.beta));
    case ir::OpKind::HardSwish:
      return x * std::max(0.f, std::min(1.f, x / 6.f + 0.5f));
    case ir::OpKind::Swish:
      return x / (1.f + std::exp(-x));
    default:
      fail_internal("activate: not an activation: " + std::string(ir::op_name(act.kind)));
  }
}

void activate_inplace(float* data, int64_t n, const ir::FusedActivation& act) {
  for (int64_t i = 0; i < n; ++i) data[i] = activate(data[i], act);
}

ir::FusedActivation to_fused(ir::OpKind op, const ir::ActAttrs& attrs) {
  ir::FusedActivation a;
  a.kind = op;
  if (op == ir::OpKind::Clip || op == ir::OpKind::LeakyRelu || op == ir::OpKind::HardSigmoid) {
    a.alpha = attrs.alpha;
    a.beta = attrs.beta;
  }
  return a;
}

Tensor activation(const Tensor& x, ir::OpKind op, const ir::ActAttrs& attrs) {
  Tensor y = x.to_f32().clone();
  activate_inplace(y.data<float>(), y.numel(), to_fused(op, attrs));
  return y;
}

}  // namespace qd::runtime::ref
