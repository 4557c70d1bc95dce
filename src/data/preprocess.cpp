#include "data/preprocess.h"

#include "core/error.h"

namespace qd {

bool image_to_nchw(const Image& image, const Preprocess& pre, float* dst) {
  QD_CHECK(pre.width > 0 && pre.height > 0, "image_to_nchw: Preprocess width/height not set");
  const bool resize = image.width != pre.width || image.height != pre.height;
  Image resized;
  if (resize) resized = resize_bilinear(image, pre.width, pre.height);
  const Image& src = resize ? resized : image;
  const size_t plane = static_cast<size_t>(pre.width) * pre.height;
  for (int c = 0; c < 3; ++c) {
    const int src_channel = pre.bgr ? 2 - c : c;  // tensor channel c reads this RGB channel
    const float mean = pre.mean[c];
    const float inv_std = 1.0f / pre.std[c];
    float* out = dst + c * plane;
    const uint8_t* in = src.rgb.data() + src_channel;
    for (size_t i = 0; i < plane; ++i) out[i] = (static_cast<float>(in[i * 3]) - mean) * inv_std;
  }
  return resize;
}

}  // namespace qd
