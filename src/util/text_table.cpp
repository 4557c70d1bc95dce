#include "util/text_table.h"

#include <algorithm>
#include <cstdio>

namespace qd {

std::string format_text_table(const std::vector<std::string>& header,
                              const std::vector<std::vector<std::string>>& rows,
                              const std::vector<bool>& right_aligned) {
  const size_t cols = header.size();
  std::vector<size_t> width(cols, 3);  // at least "---"
  for (size_t c = 0; c < cols; ++c) width[c] = std::max(width[c], header[c].size());
  for (const auto& r : rows)
    for (size_t c = 0; c < cols && c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto right = [&](size_t c) { return c < right_aligned.size() && right_aligned[c]; };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - std::min(width[c], cell.size()), ' ');
      s += " " + (right(c) ? pad + cell : cell + pad) + " |";
    }
    return s + "\n";
  };
  std::string out = line(header);
  out += "|";
  for (size_t c = 0; c < cols; ++c)
    out += " " + (right(c) ? std::string(width[c] - 1, '-') + ":" : std::string(width[c], '-')) + " |";
  out += "\n";
  for (const auto& r : rows) out += line(r);
  return out;
}

std::string format_number(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

}  // namespace qd
