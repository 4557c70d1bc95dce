// Pixel operations on RGB8 images: bilinear resize, nearest-neighbour enlargement, and the output window
// the reference resizers check.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/image.h"

namespace qd {
namespace {

// Source coordinate pairs and weights for one output axis (half-pixel centres, edges clamped).
struct Tap {
  int i0, i1;
  float w1;  // weight of i1; i0 gets 1 - w1
};

std::vector<Tap> bilinear_taps(int src_len, int dst_len) {
  std::vector<Tap> taps(dst_len);
  const float scale = static_cast<float>(src_len) / dst_len;
  for (int d = 0; d < dst_len; ++d) {
    float s = (d + 0.5f) * scale - 0.5f;
    s = std::clamp(s, 0.0f, static_cast<float>(src_len - 1));
    const int i0 = static_cast<int>(std::floor(s));
    const int i1 = std::min(i0 + 1, src_len - 1);
    taps[d] = {i0, i1, s - i0};
  }
  return taps;
}

}  // namespace

ImageWindow output_window(int width, int height, ImageWindow win, const char* resizer) {
  if (win.width == 0) return {0, 0, width, height};
  QD_CHECK(win.x >= 0 && win.y >= 0 && win.width > 0 && win.height > 0 && win.x + win.width <= width &&
               win.y + win.height <= height,
           std::string(resizer) + ": window outside the output");
  return win;
}

Image resize_bilinear(const Image& src, int width, int height) {
  QD_CHECK(width > 0 && height > 0, "resize_bilinear: target size must be positive");
  QD_CHECK(src.width > 0 && src.height > 0, "resize_bilinear: empty source image");
  if (src.width == width && src.height == height) return src;
  const auto xs = bilinear_taps(src.width, width);
  const auto ys = bilinear_taps(src.height, height);
  Image dst(width, height);
  for (int y = 0; y < height; ++y) {
    const Tap ty = ys[y];
    for (int x = 0; x < width; ++x) {
      const Tap tx = xs[x];
      const uint8_t* p00 = src.pixel(tx.i0, ty.i0);
      const uint8_t* p01 = src.pixel(tx.i1, ty.i0);
      const uint8_t* p10 = src.pixel(tx.i0, ty.i1);
      const uint8_t* p11 = src.pixel(tx.i1, ty.i1);
      uint8_t* d = dst.pixel(x, y);
      for (int c = 0; c < 3; ++c) {
        const float top = p00[c] + (p01[c] - p00[c]) * tx.w1;
        const float bottom = p10[c] + (p11[c] - p10[c]) * tx.w1;
        const float v = top + (bottom - top) * ty.w1;
        d[c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return dst;
}

Image enlarge_nearest(const Image& src, int factor) {
  QD_CHECK(factor >= 1, "enlarge_nearest: factor must be >= 1");
  Image dst(src.width * factor, src.height * factor);
  for (int y = 0; y < dst.height; ++y)
    for (int x = 0; x < dst.width; ++x) std::copy_n(src.pixel(x / factor, y / factor), 3, dst.pixel(x, y));
  return dst;
}

}  // namespace qd
