#include "settings/weight_bits.h"

#include "core/error.h"

namespace qd {

std::vector<int> weight_bits_choices() { return {0, 4, 6, 8}; }

int parse_weight_bits(long long bits, const std::string& context) {
  for (int b : weight_bits_choices())
    if (b == bits) return b;
  std::string forced;
  for (int b : weight_bits_choices())
    if (b != 0) forced += (forced.empty() ? "" : ", ") + std::to_string(b);
  fail(context, "must be " + forced + " (or 0: by target), got " + std::to_string(bits));
}

std::string weight_bits_help() {
  std::string forced;
  for (int b : weight_bits_choices())
    if (b != 0) forced += (forced.empty() ? "" : " | ") + std::to_string(b);
  return forced + ": weight grid of every layer (stored as int8; 4 = values in [-7, 7]); 0 = by target";
}

}  // namespace qd
