// ncnn2table's weight bit-width rule: 3x3, stride 1, dilation 1 Convolutions (group 1) get 6-bit
// weights (multiplier 31/absmax) because ncnn runs them with int8 winograd F(4,3); all others 8 bits.
#pragma once
#include "ir/graph.h"

namespace qd::ncnn {

inline bool is_winograd_int8_conv(const ir::Node& n) {
  if (n.op != ir::OpKind::Conv) return false;
  const auto& a = n.attr<ir::ConvAttrs>();
  return a.group == 1 && a.kernel_h == 3 && a.kernel_w == 3 && a.stride_h == 1 && a.stride_w == 1 &&
         a.dilation_h == 1 && a.dilation_w == 1;
}

// Bits of a layer whose quantized weights have largest magnitude `max_abs_q`.
inline int infer_weight_bits(const ir::Node& n, int max_abs_q) {
  return is_winograd_int8_conv(n) && max_abs_q <= 31 ? 6 : 8;
}

}  // namespace qd::ncnn
