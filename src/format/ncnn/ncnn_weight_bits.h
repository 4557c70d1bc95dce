// Reading ncnn2table's weight bit widths back: the rule itself (which convs get 6-bit weights) is the ncnn
// target's, in settings/deploy_target.h.
#pragma once
#include "ir/graph.h"
#include "settings/deploy_target.h"

namespace qd::ncnn {

inline bool is_winograd_int8_conv(const ir::Node& n) {
  return n.op == ir::OpKind::Conv && is_ncnn_winograd_int8_conv(conv_window_of(n.attr<ir::ConvAttrs>()));
}

// Bits of a layer whose quantized weights have largest magnitude `max_abs_q`.
inline int infer_weight_bits(const ir::Node& n, int max_abs_q) {
  return is_winograd_int8_conv(n) && max_abs_q <= 31 ? 6 : 8;
}

}  // namespace qd::ncnn
