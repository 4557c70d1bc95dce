#include "quant/ranges/range_methods.h"

#include "core/error.h"
#include "quant/ranges/aciq_range.h"
#include "quant/ranges/kl_range.h"
#include "quant/ranges/minmax_range.h"
#include "quant/ranges/mse_range.h"
#include "quant/ranges/percentile_range.h"

namespace qd::quant {
namespace {

using RangeFn = float (*)(const ActivationStats&, const RangeOptions&);

struct RangeMethod {
  std::string_view name;
  RangeFn fn;
};

// Sorted by name.
constexpr RangeMethod kMethods[] = {
    {"aciq", [](const ActivationStats& s, const RangeOptions& o) { return aciq_threshold(s, o); }},
    {"kl",
     [](const ActivationStats& s, const RangeOptions& o) {
       return kl_threshold(s, o.kl_bins, o.kl_target_bins > 0 ? o.kl_target_bins : 1 << (o.bits - 1));
     }},
    {"minmax", [](const ActivationStats& s, const RangeOptions&) { return minmax_threshold(s); }},
    {"mse",
     [](const ActivationStats& s, const RangeOptions& o) { return mse_threshold(s, o.bits, o.mse_bins); }},
    {"percentile",
     [](const ActivationStats& s, const RangeOptions& o) { return percentile_threshold(s, o.percentile); }},
};

const RangeMethod& find_method(std::string_view method) {
  for (const RangeMethod& m : kMethods)
    if (m.name == method) return m;
  std::string valid;
  for (const RangeMethod& m : kMethods) valid += (valid.empty() ? "" : ", ") + std::string(m.name);
  fail("range method", "unknown method '" + std::string(method) + "' (valid: " + valid + ")");
}

}  // namespace

float compute_threshold(std::string_view method, const ActivationStats& stats, const RangeOptions& options) {
  return find_method(method).fn(stats, options);
}

std::vector<std::string> range_method_names() {
  std::vector<std::string> names;
  for (const RangeMethod& m : kMethods) names.emplace_back(m.name);
  return names;
}

void check_range_method(std::string_view method) { find_method(method); }

}  // namespace qd::quant
