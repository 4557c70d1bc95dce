#include "util/int_list.h"

#include <algorithm>
#include <charconv>

#include "core/error.h"

namespace qd {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::vector<int> parse_int_list(std::string_view text, std::string_view option, int min_value) {
  const std::string ctx(option);
  constexpr int kMax = 1'000'000;
  if (trim(text).empty()) fail(ctx, "expected a comma-separated list of numbers, got an empty value");
  std::vector<int> out;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    const std::string_view item =
        trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    if (item.empty()) fail(ctx, "empty item in '" + std::string(text) + "'");
    long long v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc() && end == item.data() + item.size() && (v < min_value || v > kMax)))
      fail(ctx, "'" + std::string(item) + "' is out of range [" + std::to_string(min_value) + ", " +
                    std::to_string(kMax) + "]");
    if (ec != std::errc() || end != item.data() + item.size())
      fail(ctx, "'" + std::string(item) + "' is not a whole number");
    if (std::find(out.begin(), out.end(), static_cast<int>(v)) == out.end())
      out.push_back(static_cast<int>(v));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string format_int_list(const std::vector<int>& values) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
  return s;
}

}  // namespace qd
