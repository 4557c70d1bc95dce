// Squeeze-and-excitation's channel scaling folded into the next 1x1 convolution (fp32, batch 1). An SE block
// ends with y = x * s (s: one factor per channel) read only by the block's 1x1 projection conv, and
// conv(W, x * s) = conv(W', x) with W'[o][c] = W[o][c] * s[c]. Rescaling the O x C weights from a pristine
// copy each run replaces the Mul's pass over the whole C x H x W activation (EfficientNet-B0's first SE
// block: 512 weights instead of 401k activations). Results differ from the Mul by fp32 rounding only.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "ir/graph.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

struct FoldedScale {
  ir::NodeId mul = -1, conv = -1;
  ir::ValueId x = ir::kNoValue, scale = ir::kNoValue;  // y = x * scale, scale [1, C, 1, 1]
};

// The Mul nodes y = x * s (x [1, C, H, W], s [1, C, 1, 1], both computed) whose output is read only by one
// group-1 1x1 Conv as its source with fewer weights than activations (O < H * W). `fp32_conv[node]`: that
// conv runs in fp32. A tap of y is shown as x * s by the executor (TapStep::scale_channels_by).
std::vector<FoldedScale> find_foldable_scales(const ir::Graph& g, const std::vector<bool>& fp32_conv);

// Writes weights = pristine * scale[c] along the input channels of 1x1 conv weights [O, C, 1, 1] in a layout
// with at most the output channels blocked (oneDNN's Acdb16a ... Acdb64a, oihw, ohwi).
class InputChannelScaleStep : public Step {
 public:
  InputChannelScaleStep(dnnl::memory weights, dnnl::memory pristine, int scale_buffer);
  static bool supports(const dnnl::memory::desc& weights);
  void execute(RunContext& ctx) override;

 private:
  dnnl::memory weights_, pristine_;  // owners of the two weight buffers
  int scale_buffer_;
  int64_t out_channels_, in_channels_, block_, block_stride_, in_stride_;
};

}  // namespace qd::runtime::onednn
