// Image -> network input: optional bilinear resize, channel order, x = (pixel - mean) / std, NCHW float.
#pragma once
#include <array>

#include "data/image.h"

namespace qd {

// mean/std are given per *input channel* of the network, in the network's channel order: with bgr = true,
// mean[0] applies to the blue channel (channel 0 of the tensor).
struct Preprocess {
  bool bgr = false;
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{1.f, 1.f, 1.f};
  int width = 0;   // network input width; the image is resized when it differs
  int height = 0;  // network input height
};

// Writes 3 x height x width floats to dst (one image of an NCHW batch). Returns true when the image had to be
// resized (bilinear, on 8-bit pixels before normalisation, like OpenCV/ncnn pipelines).
bool image_to_nchw(const Image& image, const Preprocess& pre, float* dst);

}  // namespace qd
