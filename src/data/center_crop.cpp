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

ImageWindow center_crop_window(int image_width, int image_height, int width, int height) {
  QD_CHECK(width > 0 && height > 0 && width <= image_width && height <= image_height,
           "center_crop: bad size");
  return {half_rounded_to_even(image_width - width), half_rounded_to_even(image_height - height), width,
          height};
}

Image center_crop(const Image& src, int width, int height) {
  const ImageWindow w = center_crop_window(src.width, src.height, width, height);
  Image dst(width, height);
  for (int y = 0; y < height; ++y)
    std::copy_n(src.pixel(w.x, w.y + y), static_cast<size_t>(width) * 3, dst.pixel(0, y));
  return dst;
}

}  // namespace qd
