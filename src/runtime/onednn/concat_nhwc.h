// Channel concat of NHWC tensors as one pass of per-pixel row copies. oneDNN 2.6 concatenates nhwc with
// its "simple" kernel, which copies channel runs one pixel at a time through a generic loop: SqueezeNet
// 1.1's int8 fire modules (two u8 halves of 64-256 channels) spent 13% of the run in it (0.05 ms for
// 55x55x128 u8). Zero-copy (the expand convs writing into the halves) is not available: oneDNN's int8
// convs take a strided nhwc destination only with their reference kernel (ref_int8, ~1000x slower).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// dst row p = the rows p of every source in order; source i's rows are row_bytes[i] long, dst rows their sum.
void concat_rows(const std::vector<const void*>& srcs, const std::vector<size_t>& row_bytes, void* dst,
                 int64_t rows);

class ConcatNhwcStep : public Step {
 public:
  ConcatNhwcStep(std::vector<int> srcs, std::vector<size_t> row_bytes, int dst, int64_t rows)
      : srcs_(std::move(srcs)), row_bytes_(std::move(row_bytes)), dst_(dst), rows_(rows) {}
  void execute(RunContext& ctx) override;

 private:
  std::vector<int> srcs_;
  std::vector<size_t> row_bytes_;
  int dst_;
  int64_t rows_;  // pixels (N * H * W)
};

}  // namespace qd::runtime::onednn
