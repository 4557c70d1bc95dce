// The chart pictures used by `qdeploy analyze` (src/data/bar_chart.h, histogram_chart.h).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/bar_chart.h"
#include "eval/chart_canvas.h"
#include "eval/histogram_chart.h"

namespace qd {
namespace {

int count_color(const Image& img, Rgb c, int x0 = 0, int x1 = -1) {
  if (x1 < 0) x1 = img.width;
  int n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = x0; x < x1; ++x) {
      const uint8_t* p = img.pixel(x, y);
      n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
    }
  return n;
}

TEST(Charts, NiceTicks) {
  EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(nice_ticks(-3, 27, 6), (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_EQ(nice_ticks(0, 0.9, 4), (std::vector<double>{0, 0.5}));  // 0.225 per interval -> 0.5
  const std::vector<double> t = nice_ticks(0, 0.9, 8);              // 0.1125 -> 0.2
  ASSERT_EQ(t.size(), 5u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], 0.2 * i, 1e-12);
}

TEST(Charts, BarLengthsFollowValues) {
  BarChartSpec spec;
  spec.title = "t";
  spec.categories = {"a", "b"};
  spec.series = {{"s1", chart::kBlue, {10, 40}}, {"s2", chart::kOrange, {20, 20}}};
  const Image img = draw_bar_chart(spec);
  EXPECT_EQ(img.width, 1000);
  // blue area: bars of 10 and 40 units (plus the legend swatch); orange: 20 + 20. Blue bars are 50 units
  // long, orange 40, so blue minus swatch over orange minus swatch is 5/4.
  const int swatch = 14 * 12;
  const double blue = count_color(img, chart::kBlue) - swatch,
               orange = count_color(img, chart::kOrange) - swatch;
  EXPECT_NEAR(blue / orange, 50.0 / 40.0, 0.05);
  spec.series[0].values.pop_back();
  EXPECT_THROW(draw_bar_chart(spec), Error);
}

TEST(Charts, HistogramMarksThresholdAndMax) {
  HistogramSpec spec;
  spec.x_min = 0;
  spec.x_max = 10;
  spec.counts = std::vector<double>(100, 5.0);
  spec.markers = {{2.5, chart::kRed, "thr"}, {7.5, chart::kGreen, "max"}};
  spec.width = 624;  // plot x from 64 to 600
  const Image img = draw_histogram_chart(spec);
  // Marker lines at x = 64 + 0.25 * 536 = 198 and 64 + 0.75 * 536 = 466 (2 px wide, dashed).
  EXPECT_GT(count_color(img, chart::kRed, 197, 199), 50);
  EXPECT_GT(count_color(img, chart::kGreen, 465, 467), 50);
  EXPECT_EQ(count_color(img, chart::kRed, 220, 440), 0);
  EXPECT_GT(count_color(img, chart::kBlue), 1000);  // the bars
  spec.counts.clear();
  EXPECT_THROW(draw_histogram_chart(spec), Error);
}

}  // namespace
}  // namespace qd
