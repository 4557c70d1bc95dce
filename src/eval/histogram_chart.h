// Histogram picture: equal-width bins over [x_min, x_max], counts on a linear or log10 axis, with vertical
// markers (e.g. a clipping threshold and the maximum) and free-text notes.
#pragma once
#include <string>
#include <vector>

#include "data/image.h"

namespace qd {

struct HistogramMarker {
  double x = 0;
  Rgb color;
  std::string label;  // drawn next to the marker line and in the legend
};

struct HistogramSpec {
  std::string title;
  std::string x_label;
  double x_min = 0, x_max = 1;  // range covered by `counts`
  std::vector<double> counts;   // equal bins over [x_min, x_max]
  bool log_counts = true;       // y axis log10(1 + count)
  std::vector<HistogramMarker> markers;
  std::vector<std::string> notes;  // lines written at the top right of the plot
  int width = 900, height = 480;
};

// Draws the histogram (white background). Throws a user error for no bins or x_max <= x_min.
Image draw_histogram_chart(const HistogramSpec& spec);

}  // namespace qd
