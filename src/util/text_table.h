// Aligned plain-text tables that are also Markdown pipe tables (readable in a terminal, pasteable into a
// README).
#pragma once
#include <string>
#include <vector>

namespace qd {

// Renders "| h1 | h2 |\n| --- | ---: |\n| a | b |\n" with every column padded to its widest cell.
// right_aligned[i] = true right-aligns column i (numbers); missing entries mean left-aligned. Rows shorter
// than the header are padded with empty cells.
std::string format_text_table(const std::vector<std::string>& header,
                              const std::vector<std::vector<std::string>>& rows,
                              const std::vector<bool>& right_aligned = {});

// printf-style formatting into a std::string ("%.3f" etc.).
std::string format_number(const char* fmt, double value);

}  // namespace qd
