// Quantization parameters, a side table keyed by node name. One convention inside qdeploy:
// real = scale * q (a step size, as ONNX/oneDNN); ncnn's multipliers (127/absmax) are converted
// only at the ncnn boundary (frontend/ncnn and exporters/ncnn).
// Steps are doubles so that an ncnn fp32 multiplier m survives m -> 1/m -> (float)(1/step) exactly (a float
// step cannot: several float multipliers share one float reciprocal). Runtimes narrow to float where they
// compute; products such as input step * weight step are formed in double first.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace qd::ir {

struct LayerQuant {
  double input_scale = 0;             // step of the int8 input activation (symmetric, zero point 0)
  std::vector<double> weight_scales;  // per output channel step (or one value for all channels)
  int weight_bits = 8;                // 6 for ncnn's winograd-eligible 3x3 s1 convs, 4 for W4 experiments
  double output_scale = 0;            // >0: output is requantized to int8 with this step for the next layer
  // Dequantize with the CPU's reciprocal estimate (rcpps, ~12 bits) of m_in * m_w instead of the exact
  // 1/(m_in * m_w) (m = ncnn's float multipliers = 1/step): real ncnn's x86 int8 depthwise kernel does this
  // on packs of 8 channels, and an output 1e-4 off moves ~0.1% of requantized values by one step, which the
  // following layers amplify (settings/deploy_target.h: is_ncnn_packed_int8_depthwise).
  bool dequant_reciprocal_estimate = false;
};

struct QuantParams {
  std::map<std::string, LayerQuant> layers;  // key: node name of a Conv / Gemm
  bool empty() const { return layers.empty(); }
  const LayerQuant* find(const std::string& node) const {
    auto it = layers.find(node);
    return it == layers.end() ? nullptr : &it->second;
  }
};

}  // namespace qd::ir
