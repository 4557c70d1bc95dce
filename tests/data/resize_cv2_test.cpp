#include "data/resize_cv2.h"

#include <gtest/gtest.h>

#include "data/user_error.h"

namespace qd {
namespace {

Image gray_image(int w, int h, std::initializer_list<int> values) {
  Image img(w, h);
  size_t i = 0;
  for (int v : values)
    img.rgb[3 * i] = img.rgb[3 * i + 1] = img.rgb[3 * i + 2] = static_cast<uint8_t>(v), ++i;
  return img;
}

TEST(ResizeCv2, LinearUsesTwoTapsWithoutAntialiasing) {
  // 3 -> 2: scale 1.5. Output 0: fx = 0.5 * 1.5 - 0.5 = 0.25 -> 0.75 * 0 + 0.25 * 100 = 25.
  // Output 1: fx = 1.75 -> 0.25 * 100 + 0.75 * 200 = 175.
  const Image out = resize_cv2(gray_image(3, 1, {0, 100, 200}), 2, 1, Interpolation::bilinear);
  EXPECT_EQ(out.pixel(0, 0)[0], 25);
  EXPECT_EQ(out.pixel(1, 0)[0], 175);
}

TEST(ResizeCv2, ExactHalvingAveragesTwoByTwo) {
  // cv::resize switches to INTER_AREA here: the rounded mean (10 + 20 + 30 + 41 + 2) >> 2 = 25, which the
  // 1024/1024 linear weights give too.
  const Image out = resize_cv2(gray_image(2, 2, {10, 20, 30, 41}), 1, 1, Interpolation::bilinear);
  EXPECT_EQ(out.pixel(0, 0)[0], 25);
}

TEST(ResizeCv2, NearestFloorsTheScaledIndex) {
  // 5 -> 2: sx = floor(x * 2.5) = 0, 2.
  const Image out = resize_cv2(gray_image(5, 1, {10, 20, 30, 40, 50}), 2, 1, Interpolation::nearest);
  EXPECT_EQ(out.pixel(0, 0)[0], 10);
  EXPECT_EQ(out.pixel(1, 0)[0], 30);
}

TEST(ResizeCv2, BicubicIsRefused) {
  const std::string msg = test::error_of([] {
    resize_cv2(gray_image(2, 1, {0, 1}), 3, 1, Interpolation::bicubic);
  });
  EXPECT_NE(msg.find("bicubic"), std::string::npos) << msg;
}

}  // namespace
}  // namespace qd
