// Channel concat into an NHWC tensor in one pass of per-pixel copies, each input read in the layout its
// producer left (nhwc, nChw8c, nChw16c). oneDNN 2.6 concatenates nhwc with its "simple" kernel, which
// copies channel runs one pixel at a time through a generic loop (SqueezeNet 1.1's int8 fire modules, two u8
// halves of 64-256 channels: 13% of the run, 0.05 ms for 55x55x128 u8), and mixed layouts with its
// reference (SqueezeNet's fp32 fire modules: the expand 1x1 conv writes nhwc, oneDNN's Winograd expand 3x3
// nChw16c; the concat then wrote nChw16c and the next squeeze conv reordered it back to nhwc).
// Zero-copy (the expand convs writing into the halves) is not available: oneDNN's int8 convs take a strided
// nhwc destination only with their reference kernel (ref_int8, ~1000x slower).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/onednn/piece_layout.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

struct NhwcPiece {
  const void* data = nullptr;
  int64_t channels = 0;  // a multiple of the block for nChw8c / nChw16c
  PieceLayout layout = PieceLayout::nhwc;
};

// dst [n, hw, sum of channels] (elements of elem_bytes) = the pieces' channels in order.
void concat_to_nhwc(const std::vector<NhwcPiece>& pieces, size_t elem_bytes, int64_t n, int64_t hw,
                    void* dst);

class ConcatNhwcStep : public Step {
 public:
  ConcatNhwcStep(std::vector<ConcatInput> inputs, size_t elem_bytes, int dst, int64_t n, int64_t hw)
      : inputs_(std::move(inputs)), elem_(elem_bytes), dst_(dst), n_(n), hw_(hw) {}
  void execute(RunContext& ctx) override;

 private:
  std::vector<ConcatInput> inputs_;
  size_t elem_;
  int dst_;
  int64_t n_, hw_;
};

}  // namespace qd::runtime::onednn
