#include "data/resize_pil.h"

#include <gtest/gtest.h>

namespace qd {
namespace {

Image gray_row(std::initializer_list<int> values) {
  Image img(static_cast<int>(values.size()), 1);
  int x = 0;
  for (int v : values) {
    uint8_t* p = img.pixel(x++, 0);
    p[0] = p[1] = p[2] = static_cast<uint8_t>(v);
  }
  return img;
}

TEST(ResizePil, BilinearReductionIsAntialiased) {
  // 4 -> 2: scale 2, the triangle filter widens to support 2. Output 0 is centred at 1.0 and reads inputs
  // 0..2 with weights 0.75, 0.75, 0.25 (normalised: 3/7, 3/7, 1/7): (0*3 + 100*3 + 200) / 7 = 71.4 -> 71.
  // Output 1 (centre 3.0) reads 1..3 with 1/7, 3/7, 3/7: (100 + 200*3 + 60*3) / 7 = 125.7 -> 126.
  // A plain 2-tap bilinear would give 50 and 130.
  const Image out = resize_pil(gray_row({0, 100, 200, 60}), 2, 1, Interpolation::bilinear);
  EXPECT_EQ(out.pixel(0, 0)[0], 71);
  EXPECT_EQ(out.pixel(1, 0)[0], 126);
  EXPECT_EQ(out.pixel(1, 0)[2], 126);
}

TEST(ResizePil, NearestTakesTheSampleUnderTheCentre) {
  // 5 -> 2: centres at 1.25 and 3.75 -> inputs 1 and 3.
  const Image out = resize_pil(gray_row({10, 20, 30, 40, 50}), 2, 1, Interpolation::nearest);
  EXPECT_EQ(out.pixel(0, 0)[0], 20);
  EXPECT_EQ(out.pixel(1, 0)[0], 40);
}

TEST(ResizePil, BicubicOvershootIsClipped) {
  // Upscaling a step 0 -> 255 with a = -0.5 overshoots below 0 and above 255 next to the edge.
  const Image out = resize_pil(gray_row({0, 0, 255, 255}), 16, 1, Interpolation::bicubic);
  for (int x = 0; x < 16; ++x) {
    EXPECT_GE(out.pixel(x, 0)[0], 0);
    EXPECT_LE(out.pixel(x, 0)[0], 255);
  }
  EXPECT_EQ(out.pixel(0, 0)[0], 0);
  EXPECT_EQ(out.pixel(15, 0)[0], 255);
}

}  // namespace
}  // namespace qd
