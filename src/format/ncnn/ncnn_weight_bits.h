// Reading ncnn2table's weight bit widths back: the rule itself (which convs get 6-bit weights) is the ncnn
// target's, in settings/deploy_target.h.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>

#include "ir/graph.h"
#include "settings/deploy_target.h"

namespace qd::ncnn {

inline bool is_winograd_int8_conv(const ir::Node& n) {
  return n.op == ir::OpKind::Conv && is_ncnn_winograd_int8_conv(conv_window_of(n.attr<ir::ConvAttrs>()));
}

// Largest |q| of stored int8 weights (128 for a -128, which a [-127, 127] reader must notice). From the
// smallest and largest byte: byte-wide min/max vectorize 16 or 32 to a register, where |q| widened to int
// per element made this scan ~6 ms of loading ResNet-18's 11 MB of int8 weights.
inline int max_abs_int8(std::span<const int8_t> q) {
  int8_t lo = 0, hi = 0;
  for (int8_t v : q) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return std::max(-static_cast<int>(lo), static_cast<int>(hi));
}

// Bits of a layer whose quantized weights have largest magnitude `max_abs_q`.
inline int infer_weight_bits(const ir::Node& n, int max_abs_q) {
  return is_winograd_int8_conv(n) && max_abs_q <= 31 ? 6 : 8;
}

}  // namespace qd::ncnn
