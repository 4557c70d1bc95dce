#include "data/preprocess.h"

#include <gtest/gtest.h>

#include <vector>

#include "data/user_error.h"

namespace qd {
namespace {

TEST(NetworkView, ShortSideResizeKeepsAspect) {
  // 500x375 with resize_short 256: height 256, width int(256 * 500 / 375) = int(341.33) = 341.
  Preprocess pre;
  pre.resize_short = 256;
  pre.width = 341;
  pre.height = 256;
  bool stretched = true;
  for (const ResizeBackend b : {ResizeBackend::pil, ResizeBackend::cv2}) {
    pre.backend = b;
    const Image out = network_view(Image(500, 375), pre, &stretched);
    EXPECT_EQ(out.width, 341);
    EXPECT_EQ(out.height, 256);
    EXPECT_FALSE(stretched);
  }
  // Portrait: 375x500 -> 256 x int(256 * 500 / 375) = 341 high.
  pre.width = 256;
  pre.height = 341;
  EXPECT_EQ(network_view(Image(375, 500), pre).height, 341);
}

TEST(NetworkView, CropLargerThanImageIsAUserError) {
  Preprocess pre;
  pre.width = pre.height = pre.crop_width = pre.crop_height = 224;
  EXPECT_EQ(test::error_of([&] { network_view(Image(100, 300), pre); }),
            "image is 100x300, smaller than the 224x224 crop");
  pre.resize_height = 200;
  pre.resize_width = 300;
  EXPECT_EQ(test::error_of([&] { network_view(Image(600, 400), pre); }),
            "image is 300x200 after resizing, smaller than the 224x224 crop");
}

TEST(ImageToNchw, OnePixelByHandRgb) {
  Image img(1, 1);
  img.rgb = {10, 20, 30};
  Preprocess pre;
  pre.mean = {1.f, 2.f, 3.f};
  pre.std = {2.f, 4.f, 5.f};
  pre.width = pre.height = 1;
  float out[3] = {};
  EXPECT_FALSE(image_to_nchw(img, pre, out));
  EXPECT_FLOAT_EQ(out[0], 4.5f);  // (10 - 1) / 2
  EXPECT_FLOAT_EQ(out[1], 4.5f);  // (20 - 2) / 4
  EXPECT_FLOAT_EQ(out[2], 5.4f);  // (30 - 3) / 5
}

TEST(ImageToNchw, BgrReversesChannelsAndUsesMeanInTensorOrder) {
  Image img(1, 1);
  img.rgb = {10, 20, 30};
  Preprocess pre;
  pre.bgr = true;
  pre.mean = {1.f, 2.f, 3.f};
  pre.std = {2.f, 4.f, 5.f};
  pre.width = pre.height = 1;
  float out[3] = {};
  image_to_nchw(img, pre, out);
  EXPECT_FLOAT_EQ(out[0], 14.5f);  // blue: (30 - 1) / 2
  EXPECT_FLOAT_EQ(out[1], 4.5f);   // green: (20 - 2) / 4
  EXPECT_FLOAT_EQ(out[2], 1.4f);   // red: (10 - 3) / 5
}

TEST(ImageToNchw, PlanarLayoutAndCifarNumbers) {
  // 2x1 image: channel planes of 2 values each, in x order.
  Image img(2, 1);
  img.rgb = {0, 128, 255, 200, 100, 50};
  Preprocess pre;
  pre.mean = {125.307f, 122.961f, 113.8575f};
  pre.std = {51.5865f, 50.847f, 51.255f};
  pre.width = 2;
  pre.height = 1;
  std::vector<float> out(6);
  image_to_nchw(img, pre, out.data());
  const float expected[6] = {(0 - 125.307f) / 51.5865f,   (200 - 125.307f) / 51.5865f,
                             (128 - 122.961f) / 50.847f,  (100 - 122.961f) / 50.847f,
                             (255 - 113.8575f) / 51.255f, (50 - 113.8575f) / 51.255f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(out[i], expected[i], 1e-5f) << i;
}

TEST(ImageToNchw, ResizesWhenSizeDiffers) {
  Image img(5, 3);
  for (size_t i = 0; i < img.rgb.size(); i += 3) {
    img.rgb[i] = 50;
    img.rgb[i + 1] = 60;
    img.rgb[i + 2] = 70;
  }
  Preprocess pre;
  pre.std = {10.f, 10.f, 10.f};
  pre.width = 4;
  pre.height = 4;
  std::vector<float> out(3 * 16, -1.f);
  EXPECT_TRUE(image_to_nchw(img, pre, out.data()));
  for (int i = 0; i < 16; ++i) {
    EXPECT_FLOAT_EQ(out[i], 5.f);
    EXPECT_FLOAT_EQ(out[16 + i], 6.f);
    EXPECT_FLOAT_EQ(out[32 + i], 7.f);
  }
}

}  // namespace
}  // namespace qd
