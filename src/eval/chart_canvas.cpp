#include "eval/chart_canvas.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qd::chart {

void fill_rect(Image& img, int x0, int y0, int x1, int y1, Rgb c) {
  if (x0 > x1) std::swap(x0, x1);
  if (y0 > y1) std::swap(y0, y1);
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, img.width), y1 = std::min(y1, img.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

void vline(Image& img, int x, int y0, int y1, Rgb c, int width, int dash) {
  if (y0 > y1) std::swap(y0, y1);
  if (dash <= 0) return fill_rect(img, x - width / 2, y0, x - width / 2 + width, y1 + 1, c);
  for (int y = y0; y <= y1; y += 2 * dash)
    fill_rect(img, x - width / 2, y, x - width / 2 + width, std::min(y + dash, y1 + 1), c);
}

void hline(Image& img, int y, int x0, int x1, Rgb c, int width) {
  fill_rect(img, x0, y - width / 2, x1 + 1, y - width / 2 + width, c);
}

int text_width(const std::string& text, float pixel_height) {
  return static_cast<int>(std::ceil(0.6f * pixel_height * static_cast<float>(text.size())));
}

std::string format_number(double v, int decimals) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace qd::chart
