// Center crop with torchvision's and mmcls's rounding (internal to src/data).
#pragma once
#include "data/image.h"

namespace qd {

// The width x height window of `src` whose top-left corner is round((src - crop) / 2) on each axis, rounded
// half to even as Python's round() does (torchvision CenterCrop, mmcv/mmcls CenterCrop). The crop must fit.
Image center_crop(const Image& src, int width, int height);

// Where that window lies in an image of image_width x image_height.
ImageWindow center_crop_window(int image_width, int image_height, int width, int height);

}  // namespace qd
