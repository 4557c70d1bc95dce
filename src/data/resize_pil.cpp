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

// One pass along x over rows [row0, row0 + rows) of src.
Image pil_horizontal(const Image& src, int out_w, int row0, int rows, const PilTaps& t) {
  Image dst(out_w, rows);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < out_w; ++x) {
      const int32_t* w = &t.weights[static_cast<size_t>(x) * t.ksize];
      int32_t acc[3] = {1 << (kPilPrecisionBits - 1), 1 << (kPilPrecisionBits - 1),
                        1 << (kPilPrecisionBits - 1)};
      const uint8_t* p = src.pixel(t.first[x], row0 + y);
      for (int k = 0; k < t.count[x]; ++k, p += 3)
        for (int c = 0; c < 3; ++c) acc[c] += p[c] * w[k];
      uint8_t* d = dst.pixel(x, y);
      for (int c = 0; c < 3; ++c) d[c] = pil_clip8(acc[c]);
    }
  }
  return dst;
}

// One pass along y; src row r is source row r + row_shift of the taps.
Image pil_vertical(const Image& src, int out_h, int row_shift, const PilTaps& t) {
  Image dst(src.width, out_h);
  const size_t stride = static_cast<size_t>(src.width) * 3;
  for (int y = 0; y < out_h; ++y) {
    const int32_t* w = &t.weights[static_cast<size_t>(y) * t.ksize];
    const uint8_t* base = src.pixel(0, t.first[y] - row_shift);
    uint8_t* d = dst.pixel(0, y);
    for (size_t i = 0; i < stride; ++i) {
      int32_t acc = 1 << (kPilPrecisionBits - 1);
      for (int k = 0; k < t.count[y]; ++k) acc += base[k * stride + i] * w[k];
      d[i] = pil_clip8(acc);
    }
  }
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

Image resize_pil(const Image& src, int width, int height, Interpolation interpolation) {
  QD_CHECK(width > 0 && height > 0 && src.width > 0 && src.height > 0, "resize_pil: empty size");
  if (interpolation == Interpolation::nearest) {
    const auto xs = pil_nearest_index(src.width, width);
    const auto ys = pil_nearest_index(src.height, height);
    Image dst(width, height);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) std::copy_n(src.pixel(xs[x], ys[y]), 3, dst.pixel(x, y));
    return dst;
  }
  const PilTaps tx = pil_taps(src.width, width, interpolation);
  const PilTaps ty = pil_taps(src.height, height, interpolation);
  const bool need_h = width != src.width, need_v = height != src.height;
  if (!need_h && !need_v) return src;
  if (!need_h) return pil_vertical(src, height, 0, ty);
  // Horizontal first, only over the rows the vertical pass reads (as Pillow does).
  const int first_row = ty.first[0];
  const int last_row = ty.first[height - 1] + ty.count[height - 1];
  if (!need_v) return pil_horizontal(src, width, 0, src.height, tx);
  const Image tmp = pil_horizontal(src, width, first_row, last_row - first_row, tx);
  return pil_vertical(tmp, height, first_row, ty);
}

}  // namespace qd
