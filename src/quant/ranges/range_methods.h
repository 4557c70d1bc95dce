// The registry of activation range methods: RangeMethod -> pure function (statistics -> clip threshold in
// absmax units). The activation step is threshold / qmax (symmetric, per tensor; 127 for int8). Names are
// parsed into RangeMethod at the edge (settings/range_method.h: the one list of names).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "quant/observers/activation_stats.h"
#include "quant/ranges/range_options.h"
#include "settings/range_method.h"

namespace qd::quant {

// Threshold chosen by `method`. 0 for an all-zero activation (use step_from_threshold for a safe step).
float compute_threshold(RangeMethod method, const ActivationStats& stats, const RangeOptions& options);

}  // namespace qd::quant
