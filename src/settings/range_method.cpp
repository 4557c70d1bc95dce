#include "settings/range_method.h"

#include "core/error.h"
#include "settings/name_list.h"

namespace qd {
namespace {

// Indexed by RangeMethod.
constexpr std::string_view kNames[kRangeMethodCount] = {"aciq", "kl", "minmax", "mse", "percentile"};

std::optional<RangeMethod> find(std::string_view name) {
  for (int i = 0; i < kRangeMethodCount; ++i)
    if (kNames[i] == name) return static_cast<RangeMethod>(i);
  return std::nullopt;
}

}  // namespace

std::string_view range_method_name(RangeMethod method) { return kNames[static_cast<int>(method)]; }

std::vector<RangeMethod> range_methods() {
  std::vector<RangeMethod> out;
  for (int i = 0; i < kRangeMethodCount; ++i) out.push_back(static_cast<RangeMethod>(i));
  return out;
}

std::vector<std::string> range_method_names() { return {std::begin(kNames), std::end(kNames)}; }

RangeMethod parse_range_method(std::string_view name, const std::string& context) {
  if (auto m = find(name)) return *m;
  fail(context, "unknown method '" + std::string(name) +
                    "' (valid: " + settings::join_names(range_method_names()) + ")");
}

std::optional<RangeMethod> parse_range_method_or_auto(std::string_view name, const std::string& context) {
  if (name == kAutoRangeMethod) return std::nullopt;
  if (auto m = find(name)) return *m;
  std::vector<std::string> valid = range_method_names();
  valid.emplace_back(kAutoRangeMethod);
  fail(context, "unknown method '" + std::string(name) + "' (valid: " + settings::join_names(valid) + ")");
}

std::string range_method_choices(bool with_auto) {
  std::vector<std::string> names = range_method_names();
  if (with_auto) names.emplace_back(kAutoRangeMethod);
  return settings::join_names(names, " | ");
}

}  // namespace qd
