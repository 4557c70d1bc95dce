#include "quant/ranges/range_methods.h"

#include "quant/ranges/aciq_range.h"
#include "quant/ranges/kl_range.h"
#include "quant/ranges/minmax_range.h"
#include "quant/ranges/mse_range.h"
#include "quant/ranges/percentile_range.h"

namespace qd::quant {
namespace {

using RangeFn = float (*)(const ActivationStats&, const RangeOptions&);

// Indexed by RangeMethod (aciq, kl, minmax, mse, percentile).
constexpr RangeFn kMethods[kRangeMethodCount] = {
    [](const ActivationStats& s, const RangeOptions& o) { return aciq_threshold(s, o); },
    [](const ActivationStats& s, const RangeOptions& o) {
      return kl_threshold(s, o.kl_bins, o.kl_target_bins > 0 ? o.kl_target_bins : 1 << (o.bits - 1));
    },
    [](const ActivationStats& s, const RangeOptions&) { return minmax_threshold(s); },
    [](const ActivationStats& s, const RangeOptions& o) { return mse_threshold(s, o.bits, o.mse_bins); },
    [](const ActivationStats& s, const RangeOptions& o) { return percentile_threshold(s, o.percentile); },
};

}  // namespace

float compute_threshold(RangeMethod method, const ActivationStats& stats, const RangeOptions& options) {
  return kMethods[static_cast<int>(method)](stats, options);
}

}  // namespace qd::quant
