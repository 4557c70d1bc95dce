#include <cmath>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

namespace {

float apply(ir::OpKind op, float x) {
  switch (op) {
    case ir::OpKind::Erf:
      return std::erf(x);
    case ir::OpKind::Sqrt:
      return std::sqrt(x);
    case ir::OpKind::Gelu:
      return 0.5f * x * (1.f + std::erf(x * static_cast<float>(M_SQRT1_2)));
    default:
      fail_internal("unary_math: not a unary math op: " + std::string(ir::op_name(op)));
  }
}

}  // namespace

Tensor unary_math(const Tensor& x, ir::OpKind op) {
  Tensor y = x.to_f32().clone();
  float* d = y.data<float>();
  for (int64_t i = 0; i < y.numel(); ++i) d[i] = apply(op, d[i]);
  return y;
}

}  // namespace qd::runtime::ref
