// The layouts in which the one-pass concat steps (concat_nhwc.h, concat_batchnorm_relu.h) read their
// inputs: whatever the producing convs left, so no reorder runs before them.
#pragma once
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

namespace qd::runtime::onednn {

enum class PieceLayout { nhwc, nChw8c, nChw16c };

// Channels per block (0 for nhwc).
inline int64_t block_of(PieceLayout l) {
  return l == PieceLayout::nChw16c ? 16 : l == PieceLayout::nChw8c ? 8 : 0;
}

// One input of a one-pass concat step: its planned buffer, channels and layout.
struct ConcatInput {
  int buffer;
  int64_t channels;
  PieceLayout layout;
};

// The layout of md when it is a 4-D value of data type dt laid out as one of them (for a blocked layout
// with whole blocks of channels); nullopt otherwise.
inline std::optional<PieceLayout> piece_layout_of(const dnnl::memory::desc& md, dnnl::memory::data_type dt) {
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::dims dims = md.dims();
  if (dims.size() != 4) return std::nullopt;
  auto is = [&](tag t) { return md == dnnl::memory::desc(dims, dt, t); };
  if (is(tag::nhwc)) return PieceLayout::nhwc;
  if (dims[1] % 16 == 0 && is(tag::nChw16c)) return PieceLayout::nChw16c;
  if (dims[1] % 8 == 0 && is(tag::nChw8c)) return PieceLayout::nChw8c;
  return std::nullopt;
}

}  // namespace qd::runtime::onednn
