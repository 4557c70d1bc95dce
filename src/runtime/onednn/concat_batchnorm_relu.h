// Concat along channels + BatchNormalization + Relu in one pass, written NHWC as fp32 or (for int8 readers)
// as u8 with the reference's quantization. DenseNet's every dense layer concatenates the block's features
// only for its norm1 -> relu1 -> 1x1 conv: instead of a concat copy, a BN pass over the copy and (fp32) a
// reorder into the nhwc that oneDNN's 1x1 conv reads, each feature is read once in its own layout (nhwc,
// nChw8c or nChw16c, as the convs that made it left it) and the conv's input written once.
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/onednn/batchnorm_relu_quantize.h"
#include "runtime/onednn/piece_layout.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

struct ConcatPiece {
  const float* data = nullptr;
  int64_t channels = 0;  // a multiple of the block for nChw8c / nChw16c
  PieceLayout layout = PieceLayout::nhwc;
};

// dst: [n, hw, sum of channels] NHWC; u8 (quantize_value of the BN + Relu result with `step`) when step > 0,
// else fp32. ch: per channel of the concatenation.
void concat_batchnorm_relu(const std::vector<ConcatPiece>& pieces, int64_t n, int64_t hw,
                           const BatchNormChannels& ch, float step, void* dst);

class ConcatBatchNormReluStep : public Step {
 public:
  ConcatBatchNormReluStep(std::vector<ConcatInput> inputs, int dst, int64_t n, int64_t hw,
                          BatchNormChannels ch, float step)
      : inputs_(std::move(inputs)), dst_(dst), n_(n), hw_(hw), ch_(std::move(ch)), step_(step) {}
  void execute(RunContext& ctx) override;

 private:
  std::vector<ConcatInput> inputs_;
  int dst_;
  int64_t n_, hw_;
  BatchNormChannels ch_;
  float step_;
};

}  // namespace qd::runtime::onednn
