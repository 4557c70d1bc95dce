#include "data/resize_cv2.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace qd {
namespace {

constexpr int kCoefBits = 11;  // INTER_RESIZE_COEF_BITS
constexpr int kCoefScale = 1 << kCoefBits;
// OpenCV's vertical pass handles blocks of this many bytes with its SIMD formula; the rest of a row goes
// through the scalar formula. The two round differently, so the split is reproduced (SSE2 128-bit lanes).
constexpr int kVerticalSimdBytes = 16;

struct Cv2Tap {
  int i0;          // first source index (the second is i0 + 1, clamped)
  int16_t w0, w1;  // fixed-point weights, rounded separately as OpenCV does (saturate_cast of float)
};

int16_t round_weight(float w) { return static_cast<int16_t>(std::lrint(w * kCoefScale)); }

// Coordinates of one axis: fx = (float)((d + 0.5) * scale - 0.5) with scale = 1 / (dst / src) in double, then
// floor and fraction; outside the image the edge pixel gets the full weight.
std::vector<Cv2Tap> cv2_linear_taps(int src_len, int dst_len) {
  const double scale = 1.0 / (static_cast<double>(dst_len) / src_len);
  std::vector<Cv2Tap> taps(dst_len);
  for (int d = 0; d < dst_len; ++d) {
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    if (s < 0) s = 0, f = 0.f;
    if (s >= src_len - 1) s = src_len - 1, f = 0.f;
    taps[d] = {s, round_weight(1.f - f), round_weight(f)};
  }
  return taps;
}

// Only the window's output pixels are computed; the SIMD/scalar split is by position in the full row.
Image cv2_linear(const Image& src, int width, int height, ImageWindow win) {
  const auto xs = cv2_linear_taps(src.width, width);
  const auto ys = cv2_linear_taps(src.height, height);
  const int row_len = width * 3;
  const int simd_end = row_len / kVerticalSimdBytes * kVerticalSimdBytes;
  // Horizontal pass of the source rows the window reads, kept in int32 (pixel * 2048 scale).
  const int row0 = ys[win.y].i0;
  const int row1 = std::min(ys[win.y + win.height - 1].i0 + 1, src.height - 1);
  const int win_len = win.width * 3;
  std::vector<int32_t> hrows(static_cast<size_t>(row1 - row0 + 1) * win_len);
  for (int y = row0; y <= row1; ++y) {
    int32_t* out = &hrows[static_cast<size_t>(y - row0) * win_len];
    for (int x = 0; x < win.width; ++x) {
      const Cv2Tap t = xs[win.x + x];
      const uint8_t* p0 = src.pixel(t.i0, y);
      const uint8_t* p1 = src.pixel(std::min(t.i0 + 1, src.width - 1), y);
      for (int c = 0; c < 3; ++c) out[x * 3 + c] = p0[c] * t.w0 + p1[c] * t.w1;
    }
  }
  Image dst(win.width, win.height);
  for (int y = 0; y < win.height; ++y) {
    const Cv2Tap t = ys[win.y + y];
    const int32_t* s0 = &hrows[static_cast<size_t>(t.i0 - row0) * win_len];
    const int32_t* s1 = &hrows[static_cast<size_t>(std::min(t.i0 + 1, src.height - 1) - row0) * win_len];
    uint8_t* d = dst.pixel(0, y);
    for (int i = 0; i < win_len; ++i) {
      int v;
      if (win.x * 3 + i < simd_end) {  // v_mul_hi on (value >> 4) as int16, then a rounding shift by 2
        const int a = ((s0[i] >> 4) * t.w0) >> 16;
        const int b = ((s1[i] >> 4) * t.w1) >> 16;
        v = (a + b + 2) >> 2;
      } else {
        v = (s0[i] * t.w0 + s1[i] * t.w1 + (1 << (2 * kCoefBits - 1))) >> (2 * kCoefBits);
      }
      d[i] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
  }
  return dst;
}

Image cv2_nearest(const Image& src, int width, int height, ImageWindow win) {
  const double ifx = 1.0 / (static_cast<double>(width) / src.width);
  const double ify = 1.0 / (static_cast<double>(height) / src.height);
  Image dst(win.width, win.height);
  for (int y = 0; y < win.height; ++y) {
    const int sy = std::min(static_cast<int>(std::floor((win.y + y) * ify)), src.height - 1);
    for (int x = 0; x < win.width; ++x) {
      const int sx = std::min(static_cast<int>(std::floor((win.x + x) * ifx)), src.width - 1);
      std::copy_n(src.pixel(sx, sy), 3, dst.pixel(x, y));
    }
  }
  return dst;
}

}  // namespace

Image resize_cv2(const Image& src, int width, int height, Interpolation interpolation, ImageWindow win) {
  QD_CHECK(width > 0 && height > 0 && src.width > 0 && src.height > 0, "resize_cv2: empty size");
  win = output_window(width, height, win, "resize_cv2");
  if (interpolation == Interpolation::bicubic)
    fail("",
         "interpolation \"bicubic\" with backend \"cv2\" is not supported (OpenCV's INTER_CUBIC is not "
         "reproduced); use \"bilinear\" or backend \"pil\"");
  if (src.width == width && src.height == height) {  // cv::resize copies
    Image dst(win.width, win.height);
    for (int y = 0; y < win.height; ++y)
      std::copy_n(src.pixel(win.x, win.y + y), static_cast<size_t>(win.width) * 3, dst.pixel(0, y));
    return dst;
  }
  if (interpolation == Interpolation::nearest) return cv2_nearest(src, width, height, win);
  // cv::resize switches to INTER_AREA for an exact 2x reduction; with weights 1024/1024 the linear
  // arithmetic (vectorised or scalar) gives the same rounded 2x2 mean, so it needs no path of its own.
  return cv2_linear(src, width, height, win);
}

}  // namespace qd
