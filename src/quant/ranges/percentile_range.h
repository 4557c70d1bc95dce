// percentile: clip at the given percentile of |x| (ONNX Runtime's Percentile calibrator, PPQ's default ncnn
// observer). Zeros are part of the population, as in both of those.
#pragma once
#include "quant/observers/activation_stats.h"

namespace qd::quant {

// The |x| below which `percentile` percent (0 < percentile <= 100) of the values lie, interpolated inside a
// histogram bin (so exact to within one bin width); never above absmax. Throws a user error for a
// percentile outside (0, 100].
float percentile_threshold(const ActivationStats& stats, double percentile);

}  // namespace qd::quant
