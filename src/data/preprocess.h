// Image -> network input: optional resize (stretch, short side, or fixed size) and center crop, channel
// order, x = (pixel - mean) / std, NCHW float.
#pragma once
#include <array>

#include "data/image.h"

namespace qd {

enum class Interpolation { bilinear, bicubic, nearest };

// Whose resize arithmetic is reproduced bit for bit: Pillow (torchvision transforms on PIL images) or OpenCV
// (mmcls/mmpretrain pipelines, cv2 backend).
enum class ResizeBackend { pil, cv2 };

// mean/std are given per *input channel* of the network, in the network's channel order: with bgr = true,
// mean[0] applies to the blue channel (channel 0 of the tensor).
struct Preprocess {
  bool bgr = false;
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{1.f, 1.f, 1.f};
  int width = 0;   // network input width
  int height = 0;  // network input height
  // ImageNet-style steps, all off by default (then an image of another size is stretched to width x height).
  int resize_short = 0;  // short side to this length, aspect kept (torchvision Resize(int))
  int resize_width = 0;  // or resize to exactly resize_width x resize_height
  int resize_height = 0;
  int crop_width = 0;  // then center crop (0 = none)
  int crop_height = 0;
  Interpolation interpolation = Interpolation::bilinear;
  ResizeBackend backend = ResizeBackend::pil;

  bool resizes_or_crops() const { return resize_short > 0 || resize_width > 0 || crop_width > 0; }
};

// The loader whose conversions (EXIF orientation, CMYK) match the resize backend's reference pipeline.
inline ImageLoader image_loader(const Preprocess& pre) {
  return pre.backend == ResizeBackend::cv2 ? ImageLoader::cv2 : ImageLoader::pil;
}

// The 8-bit image the network sees: resize and center crop as configured, and when the result is still not
// width x height, the plain bilinear stretch. Throws "image is WxH after resizing, smaller than the HxW
// crop" when the crop does not fit. Sets *stretched when the stretch was applied.
Image network_view(const Image& image, const Preprocess& pre, bool* stretched = nullptr);

// Writes 3 x height x width floats to dst (one image of an NCHW batch). Returns true when the image had to be
// stretched to the network size (bilinear, on 8-bit pixels before normalisation, like OpenCV/ncnn pipelines).
bool image_to_nchw(const Image& image, const Preprocess& pre, float* dst);

}  // namespace qd
