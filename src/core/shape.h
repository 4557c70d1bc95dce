// Tensor shapes: a list of dimensions; -1 marks a symbolic (unknown until run) dimension such as batch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qd {

using Shape = std::vector<int64_t>;

constexpr int64_t kDynamicDim = -1;

// Number of elements; -1 when any dimension is symbolic; INT64_MAX when the product overflows (a shape
// read from a bad file), so that no caller meets signed overflow.
inline int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : s) {
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d)
      overflow = true;
    else
      n *= d;
  }
  if (overflow) {
    for (int64_t d : s)
      if (d == 0) return 0;
    return INT64_MAX;
  }
  return n;
}

inline bool shape_is_static(const Shape& s) {
  for (int64_t d : s)
    if (d < 0) return false;
  return true;
}

// "1x3x32x32" ("?" for symbolic dimensions, "scalar" for rank 0).
inline std::string shape_str(const Shape& s) {
  if (s.empty()) return "scalar";
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += "x";
    r += s[i] < 0 ? std::string("?") : std::to_string(s[i]);
  }
  return r;
}

}  // namespace qd
