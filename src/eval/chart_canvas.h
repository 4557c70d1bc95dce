// Drawing primitives shared by the chart pictures (bar_chart.h, histogram_chart.h): rectangles and lines
// on an Image, clipped to it, plus a rough text width for laying out labels drawn with draw_text.
#pragma once
#include <string>

#include "data/image.h"

namespace qd::chart {

// Fills [x0, x1) x [y0, y1) (corners in any order), clipped to the image.
void fill_rect(Image& img, int x0, int y0, int x1, int y1, Rgb color);
// 1-pixel-wide axis-aligned lines; dash > 0 draws dash on / dash off.
void vline(Image& img, int x, int y0, int y1, Rgb color, int width = 1, int dash = 0);
void hline(Image& img, int y, int x0, int x1, Rgb color, int width = 1);
// Approximate advance width of `text` in DejaVu Sans at pixel_height (for layout, not exact).
int text_width(const std::string& text, float pixel_height);
// Short decimal text: "12.3", "-4.56", "inf".
std::string format_number(double v, int decimals = 1);

constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrid{225, 225, 225}, kAxis{90, 90, 90};
constexpr Rgb kBlue{52, 101, 164}, kOrange{230, 126, 34}, kRed{204, 0, 0}, kGreen{0, 140, 70};

}  // namespace qd::chart
