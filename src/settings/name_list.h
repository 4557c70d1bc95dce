// Joins the names of a registry table for help texts and "valid: ..." errors: every list of names is
// written once, in its registry, and every message is generated from it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace qd::settings {

// "a, b, c" (separator ", "), or with `last` before the final name: "a, b or c".
std::string join_names(const std::vector<std::string>& names, std::string_view separator = ", ",
                       std::string_view last = {});

}  // namespace qd::settings
