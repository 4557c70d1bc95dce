#include "ir/axis.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace qd::ir {

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail("", "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else if (da < 0)
      out[i] = db;
    else if (db < 0)
      out[i] = da;
    else
      fail("", "cannot broadcast " + shape_str(a) + " with " + shape_str(b));
  }
  return out;
}

}  // namespace qd::ir
