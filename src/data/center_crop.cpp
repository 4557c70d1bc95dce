#include "data/center_crop.h"

#include <algorithm>

#include "core/error.h"

namespace qd {
namespace {

// round(d / 2.0) in Python: d/2 is a whole number or a half; halves go to the even neighbour.
int half_rounded_to_even(int d) {
  const int q = d / 2;
  return d % 2 == 0 ? q : (q % 2 == 0 ? q : q + 1);
}

}  // namespace

Image center_crop(const Image& src, int width, int height) {
  QD_CHECK(width > 0 && height > 0 && width <= src.width && height <= src.height, "center_crop: bad size");
  const int left = half_rounded_to_even(src.width - width);
  const int top = half_rounded_to_even(src.height - height);
  Image dst(width, height);
  for (int y = 0; y < height; ++y)
    std::copy_n(src.pixel(left, top + y), static_cast<size_t>(width) * 3, dst.pixel(0, y));
  return dst;
}

}  // namespace qd
