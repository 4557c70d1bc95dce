// qdeploy info on the shipped ImageNet configs: the ncnn resize + crop code and the honest note on exactness.
#include <gtest/gtest.h>

#include <string>

#include "cli/qdeploy_process.h"

namespace qd {
namespace {

using qd::test::kSrc;
using qd::test::run_qdeploy;

bool has(const std::string& out, const std::string& text) { return out.find(text) != std::string::npos; }

TEST(InfoCli, TorchvisionConfigPrintsResizeCropAndWhyNcnnIsNotExact) {
  const auto r = run_qdeploy("info " + kSrc + "/configs/imagenet/torchvision_resize256_crop224.toml");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "backend pil, bilinear, short side -> 256, center crop 224x224")) << r.out;
  EXPECT_TRUE(has(r.out, "if (img_w <= img_h) rh = (int)((double)256 * img_h / img_w)")) << r.out;
  EXPECT_TRUE(has(r.out, "ncnn::copy_cut_border(resized, in, top, rh - 224 - top, left, rw - 224 - left);"));
  EXPECT_TRUE(has(r.out, "NOT exact: PIL reduces with an antialiasing filter")) << r.out;
  EXPECT_TRUE(has(r.out, "const float mean_vals[3] = {123.675f, 116.28f, 103.53f};")) << r.out;
}

TEST(InfoCli, MmclsConfigIsCloseButNotBitExact) {
  const auto r = run_qdeploy("info " + kSrc + "/configs/imagenet/mmcls_resnet50_cv2.toml");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "backend cv2, bilinear")) << r.out;
  EXPECT_TRUE(has(r.out, "close, not bit-exact")) << r.out;
}

TEST(InfoCli, CifarConfigKeepsThePlainResize) {
  const auto r = run_qdeploy("info " + kSrc + "/configs/resnet18_cifar10.toml");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "from_pixels_resize(rgb, ncnn::Mat::PIXEL_RGB, img_w, img_h, 32, 32);")) << r.out;
  EXPECT_FALSE(has(r.out, "copy_cut_border")) << r.out;
}

}  // namespace
}  // namespace qd
