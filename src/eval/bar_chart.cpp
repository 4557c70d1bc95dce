#include "eval/bar_chart.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/chart_canvas.h"

namespace qd {

using namespace chart;

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (f * mag >= raw) {
      step = f * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

Image draw_bar_chart(const BarChartSpec& spec) {
  const size_t rows = spec.categories.size();
  for (const BarSeries& s : spec.series)
    if (s.values.size() != rows)
      fail("", "bar chart series '" + s.name + "' has " + std::to_string(s.values.size()) + " values for " +
                   std::to_string(rows) + " categories");
  constexpr float kLabelPx = 12, kTitlePx = 16, kValuePx = 10;
  const int nser = static_cast<int>(spec.series.size());
  const int row_h = std::max(1, nser) * spec.bar_height + 6;
  int label_w = 0;
  for (const std::string& c : spec.categories) label_w = std::max(label_w, text_width(c, kLabelPx));
  const int left = label_w + 16, right = 50, top = 56, bottom = 44;
  const int width = std::max(spec.width, left + right + 200);
  const int plot_h = static_cast<int>(rows) * row_h;
  Image img(width, top + plot_h + bottom);
  fill_rect(img, 0, 0, img.width, img.height, kWhite);

  double lo = 0, hi = 0;
  for (const BarSeries& s : spec.series)
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi <= lo) hi = lo + 1;
  const std::vector<double> ticks = nice_ticks(lo, hi);
  lo = std::min(lo, ticks.front());
  hi = std::max(hi, ticks.back());
  const int x0 = left, x1 = width - right;
  auto xpos = [&](double v) {
    v = std::clamp(v, lo, hi);  // +-inf drawn to the axis end
    return x0 + static_cast<int>(std::lround((v - lo) / (hi - lo) * (x1 - x0)));
  };

  draw_text(img, 10, 8, spec.title, kTitlePx, kBlack);
  int lx = 10;
  for (const BarSeries& s : spec.series) {  // legend
    fill_rect(img, lx, 34, lx + 14, 46, s.color);
    draw_text(img, lx + 18, 32, s.name, kLabelPx, kBlack);
    lx += 18 + text_width(s.name, kLabelPx) + 24;
  }
  for (double t : ticks) {  // grid and tick labels
    const int x = xpos(t);
    vline(img, x, top, top + plot_h, kGrid);
    const std::string txt = format_number(t, std::fabs(t - std::round(t)) < 1e-9 ? 0 : 1);
    draw_text(img, x - text_width(txt, kValuePx) / 2, top + plot_h + 4, txt, kValuePx, kAxis);
  }
  draw_text(img, x0 + (x1 - x0) / 2 - text_width(spec.value_label, kLabelPx) / 2, top + plot_h + 22,
            spec.value_label, kLabelPx, kBlack);
  for (size_t r = 0; r < rows; ++r) {
    const int ry = top + static_cast<int>(r) * row_h + 3;
    draw_text(img, left - 8 - text_width(spec.categories[r], kLabelPx), ry + (row_h - 6) / 2 - 8,
              spec.categories[r], kLabelPx, kBlack);
    for (int k = 0; k < nser; ++k) {
      const double v = spec.series[k].values[r];
      const int by = ry + k * spec.bar_height;
      const int xa = xpos(0), xb = xpos(v);
      fill_rect(img, xa, by, xb == xa ? xa + 1 : xb, by + spec.bar_height - 1, spec.series[k].color);
      const std::string txt = format_number(v, 1);
      const int tx = v >= 0 ? std::max(xa, xb) + 3 : std::min(xa, xb) - 3 - text_width(txt, kValuePx);
      draw_text(img, tx, by - 2, txt, kValuePx, kAxis);
    }
  }
  vline(img, xpos(0), top, top + plot_h, kAxis);
  hline(img, top + plot_h, x0, x1, kAxis);
  return img;
}

}  // namespace qd
