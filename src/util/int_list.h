// Comma-separated lists of positive integers given on the command line ("--threads 1,2", "--batch 1,8,32").
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace qd {

// Parses "1,2,32" -> {1, 2, 32}. Spaces around items are allowed; order is kept and duplicates are dropped
// (the first one stays). Every item must be a whole number in [min_value, 1'000'000]. Throws a user error
// "<option>: ..." naming the bad item for an empty list, an empty item, a non-number or a value out of range.
std::vector<int> parse_int_list(std::string_view text, std::string_view option, int min_value = 1);

// {1, 2, 32} -> "1,2,32".
std::string format_int_list(const std::vector<int>& values);

}  // namespace qd
