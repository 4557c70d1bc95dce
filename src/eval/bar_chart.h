// Horizontal grouped bar chart picture: one row per category (e.g. a layer), one bar per series (e.g.
// graph-wise and layer-wise SNR), with a value axis, grid, legend and the value written after each bar.
#pragma once
#include <string>
#include <vector>

#include "data/image.h"

namespace qd {

struct BarSeries {
  std::string name;  // legend text
  Rgb color;
  std::vector<double> values;  // one per category; +-inf is drawn to the axis end and labelled "inf"
};

struct BarChartSpec {
  std::string title;
  std::string value_label;              // under the value axis, e.g. "SNR (dB)"
  std::vector<std::string> categories;  // row labels, top to bottom
  std::vector<BarSeries> series;
  int width = 1000;    // picture width in pixels; the height follows from the number of rows
  int bar_height = 9;  // pixels per bar
};

// Draws the chart (white background). Throws a user error when a series has not one value per category.
Image draw_bar_chart(const BarChartSpec& spec);

// Tick positions 1/2/5 x 10^k covering [lo, hi] with about `target` intervals.
std::vector<double> nice_ticks(double lo, double hi, int target = 8);

}  // namespace qd
