// minmax: clip at the largest |x| seen (no clipping error, coarsest grid).
#pragma once
#include "quant/observers/activation_stats.h"

namespace qd::quant {

// Threshold = absmax of the observed activations.
inline float minmax_threshold(const ActivationStats& stats) { return stats.absmax(); }

}  // namespace qd::quant
