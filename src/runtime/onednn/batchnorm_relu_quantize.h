// BatchNormalization + Relu + int8 quantization in one pass over fp32 NCHW or NHWC data (DenseNet's norm1 ->
// relu1 -> int8 conv1), with exactly the reference's results: y = gamma * (x - mean) * inv_std + beta,
// max(y, 0), then ref::quantize_value (round half away from zero) into u8 in [0, 127].
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

struct BatchNormChannels {
  std::vector<float> gamma, beta, mean, inv_std;  // inv_std = 1 / sqrt(var + eps), as the reference
};

// x: [N, C, H, W] in NCHW (`nhwc` false) or NHWC order; q the same order.
void batchnorm_relu_quantize(const float* x, uint8_t* q, int64_t n, int64_t c, int64_t hw, bool nhwc,
                             const BatchNormChannels& ch, float step);

class BatchNormReluQuantizeStep : public Step {
 public:
  BatchNormReluQuantizeStep(int src, int dst, int64_t n, int64_t c, int64_t hw, bool nhwc,
                            BatchNormChannels ch, float step)
      : src_(src), dst_(dst), n_(n), c_(c), hw_(hw), nhwc_(nhwc), ch_(std::move(ch)), step_(step) {}
  void execute(RunContext& ctx) override;

 private:
  int src_, dst_;
  int64_t n_, c_, hw_;
  bool nhwc_;
  BatchNormChannels ch_;
  float step_;
};

}  // namespace qd::runtime::onednn
