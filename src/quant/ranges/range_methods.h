// The registry of activation range methods: name -> pure function (statistics -> clip threshold in absmax
// units). The activation step is threshold / qmax (symmetric, per tensor; 127 for int8).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "quant/observers/activation_stats.h"
#include "quant/ranges/range_options.h"

namespace qd::quant {

// Threshold chosen by `method` (one of range_method_names()); throws a user error listing the valid names
// for an unknown method. 0 for an all-zero activation (use step_from_threshold for a safe step).
float compute_threshold(std::string_view method, const ActivationStats& stats, const RangeOptions& options);

// Registered method names, sorted: aciq, kl, minmax, mse, percentile.
std::vector<std::string> range_method_names();

// Throws the unknown-method user error unless `method` is registered.
void check_range_method(std::string_view method);

}  // namespace qd::quant
