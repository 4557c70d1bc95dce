#include "eval/histogram_chart.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/bar_chart.h"
#include "eval/chart_canvas.h"

namespace qd {

using namespace chart;

Image draw_histogram_chart(const HistogramSpec& spec) {
  if (spec.counts.empty()) fail("", "histogram chart: no bins");
  if (!(spec.x_max > spec.x_min)) fail("", "histogram chart: x_max must be above x_min");
  constexpr float kLabelPx = 12, kTitlePx = 15, kTickPx = 10;
  const int left = 64, right = 24, top = 52, bottom = 48;
  Image img(std::max(spec.width, 300), std::max(spec.height, 200));
  fill_rect(img, 0, 0, img.width, img.height, kWhite);
  const int x0 = left, x1 = img.width - right, y0 = top, y1 = img.height - bottom;

  auto ycount = [&](double c) { return spec.log_counts ? std::log10(1.0 + c) : c; };
  double ymax = 0;
  for (double c : spec.counts) ymax = std::max(ymax, ycount(c));
  if (spec.log_counts)
    ymax = std::max(1.0, std::ceil(ymax));
  else if (ymax <= 0)
    ymax = 1;
  auto ypos = [&](double yv) { return y1 - static_cast<int>(std::lround(yv / ymax * (y1 - y0))); };
  auto xpos = [&](double x) {
    return x0 + static_cast<int>(std::lround((x - spec.x_min) / (spec.x_max - spec.x_min) * (x1 - x0)));
  };

  // y grid: powers of ten on a log axis, nice ticks on a linear one
  std::vector<double> yt;
  if (spec.log_counts)
    for (int k = 0; k <= static_cast<int>(ymax); ++k) yt.push_back(k);
  else
    yt = nice_ticks(0, ymax, 5);
  for (double t : yt) {
    const int y = ypos(t);
    hline(img, y, x0, x1, kGrid);
    const std::string txt =
        spec.log_counts ? (t == 0 ? "0" : "1e" + format_number(t, 0)) : format_number(t, 0);
    draw_text(img, x0 - 6 - text_width(txt, kTickPx), y - 7, txt, kTickPx, kAxis);
  }
  for (double t : nice_ticks(spec.x_min, spec.x_max, 8)) {
    const int x = xpos(t);
    vline(img, x, y1, y1 + 4, kAxis);
    const std::string txt = format_number(t, std::fabs(t) >= 10 || t == std::round(t) ? 0 : 2);
    draw_text(img, x - text_width(txt, kTickPx) / 2, y1 + 6, txt, kTickPx, kAxis);
  }

  const size_t n = spec.counts.size();
  for (size_t i = 0; i < n; ++i) {  // bars
    if (spec.counts[i] <= 0) continue;
    const int xa = x0 + static_cast<int>(i * (x1 - x0) / n);
    const int xb = std::max(xa + 1, x0 + static_cast<int>((i + 1) * (x1 - x0) / n));
    fill_rect(img, xa, ypos(ycount(spec.counts[i])), xb, y1, kBlue);
  }
  hline(img, y1, x0, x1, kAxis);
  vline(img, x0, y0, y1, kAxis);

  int legend_x = 90;  // right of the y axis label
  for (const HistogramMarker& m : spec.markers) {
    vline(img, std::clamp(xpos(m.x), x0, x1), y0, y1, m.color, 2, 5);
    vline(img, legend_x + 6, 32, 44, m.color, 2);
    draw_text(img, legend_x + 12, 30, m.label, kLabelPx, kBlack);
    legend_x += 12 + text_width(m.label, kLabelPx) + 20;
  }
  draw_text(img, 10, 6, spec.title, kTitlePx, kBlack);
  int note_y = y0 + 4;
  for (const std::string& s : spec.notes) {
    draw_text(img, x1 - 8 - text_width(s, kLabelPx), note_y, s, kLabelPx, kBlack);
    note_y += 16;
  }
  draw_text(img, x0 + (x1 - x0) / 2 - text_width(spec.x_label, kLabelPx) / 2, y1 + 24, spec.x_label, kLabelPx,
            kBlack);
  draw_text(img, 6, y0 - 18, spec.log_counts ? "count (log)" : "count", kTickPx, kAxis);
  return img;
}

}  // namespace qd
