#include "settings/deploy_target.h"

#include <gtest/gtest.h>

namespace qd {
namespace {

ConvWindow window(int k, int stride, int group) {
  ConvWindow w;
  w.kernel_h = w.kernel_w = k;
  w.stride_h = w.stride_w = stride;
  w.group = group;
  return w;
}

TEST(DeployTarget, NcnnPackedInt8DepthwiseIsDepthwiseOnPacksOfEightChannels) {
  EXPECT_TRUE(is_ncnn_packed_int8_depthwise(window(3, 1, 32), 32, 32));
  EXPECT_TRUE(is_ncnn_packed_int8_depthwise(window(5, 2, 8), 8, 8));
  EXPECT_FALSE(is_ncnn_packed_int8_depthwise(window(3, 1, 12), 12, 12));  // ncnn's elempack-1 kernel
  EXPECT_FALSE(is_ncnn_packed_int8_depthwise(window(3, 1, 8), 16, 16));   // grouped, not depthwise
  EXPECT_FALSE(is_ncnn_packed_int8_depthwise(window(3, 1, 16), 16, 32));  // channel multiplier 2
  EXPECT_FALSE(is_ncnn_packed_int8_depthwise(window(3, 1, 1), 1, 8));
  EXPECT_FALSE(is_ncnn_packed_int8_depthwise(window(3, 1, 16), -1, 16));  // unknown input channels
}

TEST(DeployTarget, OnlyNcnnDequantizesDepthwiseWithAnEstimate) {
  EXPECT_TRUE(target_profile(DeployTarget::ncnn).depthwise_dequant_estimate);
  EXPECT_FALSE(target_profile(DeployTarget::qdeploy).depthwise_dequant_estimate);
  EXPECT_FALSE(target_profile(DeployTarget::onnxruntime).depthwise_dequant_estimate);
}

}  // namespace
}  // namespace qd
