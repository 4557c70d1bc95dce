// Bias correction (Nagel et al., "Data-Free Quantization", section 4.2; PPQ BiasCorrectionPass, NNCF
// FastBiasCorrection): weight quantization shifts a layer's expected output by
//   E[y_q - y]_o = sum_{c,k} (Wq - W)[o, c, k] * E[x_c]
// (Wq = the weights as the int8 runtime sees them: step * round(W / step), clamped). Subtracting that shift
// from the bias removes the systematic part of the weight rounding error. E[x_c] is the per-channel mean of
// the layer's fp32 input over the calibration images (spatially averaged, so zero padding at borders is
// ignored).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/calibrate.h"

namespace qd::quant {

// Per-channel means (axis 1) of every quantizable node's input, keyed by value name, averaged over every
// image and spatial position of `source`.
using ChannelMeans = std::map<std::string, std::vector<double>>;
ChannelMeans collect_input_channel_means(const ir::Model& fp32_model, BatchSource& source,
                                         const CalibOptions& options, const CalibProgress& progress = {});

// The expected output shift per output channel of quantized node `node` (needs model.quant entry).
std::vector<double> expected_output_shift(const ir::Model& model, const ir::Node& node,
                                          const std::vector<double>& input_means);

// Subtracts the expected shift from the bias of every quantized Conv / Gemm of `model` (a bias is added
// where missing; new constants are created, shared tensors are never written). Returns the number of
// corrected layers. Throws a user error when a quantized node's input has no means.
int correct_bias(ir::Model& model, const ChannelMeans& means);

}  // namespace qd::quant
