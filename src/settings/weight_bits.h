// Weight bit widths a user may force on every quantized layer (stored as int8 either way). 0 means "by
// target" (deploy_target.h decides per layer). Checked once where the number enters (CLI option).
#pragma once
#include <string>
#include <vector>

namespace qd {

// 0 (by target), 4, 6, 8.
std::vector<int> weight_bits_choices();
// `bits` if it is one of weight_bits_choices(), else a user error naming `context` and the valid values.
int parse_weight_bits(long long bits, const std::string& context);
// "4 | 6 | 8 ... 0 = by target" style help text.
std::string weight_bits_help();

}  // namespace qd
