#include "data/center_crop.h"

#include <gtest/gtest.h>

namespace qd {
namespace {

// Each pixel holds its own coordinates, so a crop's corner can be read back.
Image coordinate_image(int w, int h) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      img.pixel(x, y)[0] = static_cast<uint8_t>(x);
      img.pixel(x, y)[1] = static_cast<uint8_t>(y);
    }
  return img;
}

TEST(CenterCrop, OffsetsRoundHalfToEvenLikePython) {
  // Python: round(1 / 2.0) = 0, round(3 / 2.0) = 2, round(5 / 2.0) = 2, round(4 / 2.0) = 2.
  const struct {
    int size, crop, offset;
  } cases[] = {{5, 4, 0}, {7, 4, 2}, {9, 4, 2}, {8, 4, 2}, {4, 4, 0}, {11, 4, 4}};
  for (const auto& c : cases) {
    const Image out = center_crop(coordinate_image(c.size, c.size + 2), c.crop, c.crop);
    EXPECT_EQ(out.width, c.crop);
    EXPECT_EQ(out.pixel(0, 0)[0], c.offset) << "width " << c.size;
    EXPECT_EQ(out.pixel(c.crop - 1, 0)[0], c.offset + c.crop - 1);
  }
  // Height c.size + 2 with crop 4: 7 -> 9 rows, offset round(2.5) = 2.
  EXPECT_EQ(center_crop(coordinate_image(7, 9), 4, 4).pixel(0, 0)[1], 2);
}

}  // namespace
}  // namespace qd
