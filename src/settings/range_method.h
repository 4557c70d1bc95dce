// Activation range methods by type: parsed once from their name at the edge (CLI option, deploy config),
// then passed down as a RangeMethod. The name table is the only list of method names; quant/ranges holds
// one threshold function per entry.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qd {

// In name order (the order of range_method_names()).
enum class RangeMethod { aciq, kl, minmax, mse, percentile };
inline constexpr int kRangeMethodCount = 5;

// The method's name ("kl", ...).
std::string_view range_method_name(RangeMethod method);
// Every method, sorted by name.
std::vector<RangeMethod> range_methods();
// Their names: aciq, kl, minmax, mse, percentile.
std::vector<std::string> range_method_names();
// The method called `name`; throws a user error "unknown method '<name>' (valid: ...)" naming `context`.
RangeMethod parse_range_method(std::string_view name, const std::string& context = "range method");

// The word that asks for automatic method choice where an edge allows it (deploy --calib-method auto).
inline constexpr std::string_view kAutoRangeMethod = "auto";
// nullopt for "auto", else parse_range_method (the error lists "auto" too).
std::optional<RangeMethod> parse_range_method_or_auto(std::string_view name, const std::string& context);
// "aciq | kl | minmax | mse | percentile" (+ " | auto" with `with_auto`), for help texts.
std::string range_method_choices(bool with_auto = false);

}  // namespace qd
