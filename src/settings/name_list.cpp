#include "settings/name_list.h"

namespace qd::settings {

std::string join_names(const std::vector<std::string>& names, std::string_view separator,
                       std::string_view last) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size() && !last.empty()) ? last : separator;
    out += names[i];
  }
  return out;
}

}  // namespace qd::settings
