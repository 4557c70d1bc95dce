#include "data/preprocess.h"

#include <string>

#include "core/error.h"
#include "data/center_crop.h"
#include "data/resize_cv2.h"
#include "data/resize_pil.h"

namespace qd {
namespace {

// Output size of a short-side resize: torchvision's and mmcls's arithmetic agree: the short side becomes
// `size`, the long one int(size * long / short) (Python true division, then truncation).
void short_side_size(int w, int h, int size, int* out_w, int* out_h) {
  const auto scaled = [size](int num, int den) {
    return static_cast<int>(static_cast<double>(static_cast<int64_t>(size) * num) / den);
  };
  if (w <= h) {
    *out_w = size;
    *out_h = scaled(h, w);
  } else {
    *out_h = size;
    *out_w = scaled(w, h);
  }
}

Image resize_with(const Image& image, int w, int h, const Preprocess& pre, ImageWindow window = {}) {
  return pre.backend == ResizeBackend::pil ? resize_pil(image, w, h, pre.interpolation, window)
                                           : resize_cv2(image, w, h, pre.interpolation, window);
}

[[noreturn]] void crop_does_not_fit(int w, int h, bool resized, const Preprocess& pre) {
  fail("", "image is " + std::to_string(w) + "x" + std::to_string(h) + (resized ? " after resizing" : "") +
               ", smaller than the " + std::to_string(pre.crop_width) + "x" +
               std::to_string(pre.crop_height) + " crop");
}

}  // namespace

Image network_view(const Image& image, const Preprocess& pre, bool* stretched) {
  QD_CHECK(pre.width > 0 && pre.height > 0, "network_view: Preprocess width/height not set");
  if (stretched) *stretched = false;
  Image out;
  const Image* cur = &image;
  const bool crop = pre.crop_width > 0;
  if (pre.resize_short > 0 || pre.resize_width > 0) {
    int w = pre.resize_width, h = pre.resize_height;
    if (pre.resize_short > 0) short_side_size(image.width, image.height, pre.resize_short, &w, &h);
    if (crop && (w < pre.crop_width || h < pre.crop_height)) crop_does_not_fit(w, h, true, pre);
    // Only the crop's window of the resized image is computed: the same pixels, less work.
    const ImageWindow window =
        crop ? center_crop_window(w, h, pre.crop_width, pre.crop_height) : ImageWindow{0, 0, w, h};
    out = w == image.width && h == image.height ? center_crop(image, window.width, window.height)
                                                : resize_with(image, w, h, pre, window);
    cur = &out;
  } else if (crop) {
    if (image.width < pre.crop_width || image.height < pre.crop_height)
      crop_does_not_fit(image.width, image.height, false, pre);
    out = center_crop(image, pre.crop_width, pre.crop_height);
    cur = &out;
  }
  if (cur->width != pre.width || cur->height != pre.height) {
    if (stretched) *stretched = true;
    return resize_bilinear(*cur, pre.width, pre.height);
  }
  return cur == &image ? image : std::move(out);
}

bool image_to_nchw(const Image& image, const Preprocess& pre, float* dst) {
  QD_CHECK(pre.width > 0 && pre.height > 0, "image_to_nchw: Preprocess width/height not set");
  bool stretched = false;
  Image view;
  const bool as_is = image.width == pre.width && image.height == pre.height && !pre.resizes_or_crops();
  if (!as_is) view = network_view(image, pre, &stretched);
  const Image& src = as_is ? image : view;
  const size_t plane = static_cast<size_t>(pre.width) * pre.height;
  for (int c = 0; c < 3; ++c) {
    const int src_channel = pre.bgr ? 2 - c : c;  // tensor channel c reads this RGB channel
    const float mean = pre.mean[c];
    const float inv_std = 1.0f / pre.std[c];
    float* out = dst + c * plane;
    const uint8_t* in = src.rgb.data() + src_channel;
    for (size_t i = 0; i < plane; ++i) out[i] = (static_cast<float>(in[i * 3]) - mean) * inv_std;
  }
  return stretched;
}

}  // namespace qd
