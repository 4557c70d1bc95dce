// The layouts in which the one-pass concat steps (concat_nhwc.h, concat_batchnorm_relu.h) read their
// inputs: whatever the producing convs left, so no reorder runs before them.
#pragma once
#include <cstdint>

namespace qd::runtime::onednn {

enum class PieceLayout { nhwc, nChw8c, nChw16c };

// Channels per block (0 for nhwc).
inline int64_t block_of(PieceLayout l) {
  return l == PieceLayout::nChw16c ? 16 : l == PieceLayout::nChw8c ? 8 : 0;
}

}  // namespace qd::runtime::onednn
