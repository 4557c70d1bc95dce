#include "data/resize_pil.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace qd {
namespace {

constexpr int kPilPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS for 8-bit images

double pil_bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double pil_bicubic(double x) {  // Keys' cubic with a = -0.5, as Pillow writes it
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Taps of one output axis: output i reads inputs [first[i], first[i] + count[i]) with fixed-point weights
// weights[i * ksize + k]. Doubles exactly as Pillow computes them, then rounded half away from zero.
struct PilTaps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

PilTaps pil_taps(int in_size, int out_size, Interpolation interpolation) {
  const bool cubic = interpolation == Interpolation::bicubic;
  const double support_unit = cubic ? 2.0 : 1.0;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);  // antialiasing: the kernel widens when reducing
  const double support = support_unit * filterscale;
  PilTaps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double arg = (x + xmin - center + 0.5) * ss;
      k[x] = cubic ? pil_bicubic(arg) : pil_bilinear(arg);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double fixed = w * (1 << kPilPrecisionBits);
      t.weights[static_cast<size_t>(i) * t.ksize + x] =
          static_cast<int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    t.first[i] = xmin;
    t.count[i] = xmax;
  }
  return t;
}

uint8_t pil_clip8(int32_t v) {
  const int32_t s = v >> kPilPrecisionBits;
  return static_cast<uint8_t>(std::clamp(s, 0, 255));
}

// Pass along x: output columns [x0, x0 + w) for source rows [row0, row0 + rows).
Image pil_horizontal(const Image& src, const PilTaps& t, int x0, int w, int row0, int rows) {
  Image dst(w, rows);
  constexpr int32_t kHalf = 1 << (kPilPrecisionBits - 1);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < w; ++x) {
      const int ox = x0 + x;
      const int32_t* wt = &t.weights[static_cast<size_t>(ox) * t.ksize];
      int32_t acc[3] = {kHalf, kHalf, kHalf};
      const uint8_t* p = src.pixel(t.first[ox], row0 + y);
      for (int k = 0; k < t.count[ox]; ++k, p += 3)
        for (int c = 0; c < 3; ++c) acc[c] += p[c] * wt[k];
      uint8_t* d = dst.pixel(x, y);
      for (int c = 0; c < 3; ++c) d[c] = pil_clip8(acc[c]);
    }
  }
  return dst;
}

// Pass along y: output rows [y0, y0 + h); row r of src is source row r + row0.
Image pil_vertical(const Image& src, const PilTaps& t, int y0, int h, int row0) {
  Image dst(src.width, h);
  const size_t stride = static_cast<size_t>(src.width) * 3;
  for (int y = 0; y < h; ++y) {
    const int oy = y0 + y;
    const int32_t* wt = &t.weights[static_cast<size_t>(oy) * t.ksize];
    const uint8_t* base = src.pixel(0, t.first[oy] - row0);
    uint8_t* d = dst.pixel(0, y);
    for (size_t i = 0; i < stride; ++i) {
      int32_t acc = 1 << (kPilPrecisionBits - 1);
      for (int k = 0; k < t.count[oy]; ++k) acc += base[k * stride + i] * wt[k];
      d[i] = pil_clip8(acc);
    }
  }
  return dst;
}

Image copy_window(const Image& src, int x0, int y0, int w, int h) {
  Image dst(w, h);
  for (int y = 0; y < h; ++y) std::copy_n(src.pixel(x0, y0 + y), static_cast<size_t>(w) * 3, dst.pixel(0, y));
  return dst;
}

// Pillow's NEAREST resize is an affine transform: source coordinate = scale * (x + 0.5), accumulated in
// double and truncated (ImagingScaleAffine).
std::vector<int> pil_nearest_index(int in_size, int out_size) {
  std::vector<int> idx(out_size);
  const double a = static_cast<double>(in_size) / out_size;
  double pos = a * 0.5;
  for (int i = 0; i < out_size; ++i, pos += a) idx[i] = std::clamp(static_cast<int>(pos), 0, in_size - 1);
  return idx;
}

}  // namespace

Image resize_pil(const Image& src, int width, int height, Interpolation interpolation, ImageWindow win) {
  QD_CHECK(width > 0 && height > 0 && src.width > 0 && src.height > 0, "resize_pil: empty size");
  win = output_window(width, height, win, "resize_pil");
  if (interpolation == Interpolation::nearest) {
    const auto xs = pil_nearest_index(src.width, width);
    const auto ys = pil_nearest_index(src.height, height);
    Image dst(win.width, win.height);
    for (int y = 0; y < win.height; ++y)
      for (int x = 0; x < win.width; ++x)
        std::copy_n(src.pixel(xs[win.x + x], ys[win.y + y]), 3, dst.pixel(x, y));
    return dst;
  }
  const bool need_h = width != src.width, need_v = height != src.height;
  const PilTaps tx = need_h ? pil_taps(src.width, width, interpolation) : PilTaps{};
  const PilTaps ty = need_v ? pil_taps(src.height, height, interpolation) : PilTaps{};
  // Horizontal first, over the source rows the vertical pass reads (as Pillow does); only the window's
  // columns and rows are computed, each exactly as in the full image.
  const int last = win.y + win.height - 1;
  const int row0 = need_v ? ty.first[win.y] : win.y;
  const int row1 = need_v ? ty.first[last] + ty.count[last] : win.y + win.height;
  Image tmp = need_h ? pil_horizontal(src, tx, win.x, win.width, row0, row1 - row0)
                     : copy_window(src, win.x, row0, win.width, row1 - row0);
  return need_v ? pil_vertical(tmp, ty, win.y, win.height, row0) : tmp;
}

}  // namespace qd
