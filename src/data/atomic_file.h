// Atomic file output: write everything to a temporary file next to the target, then rename over it, so a
// reader never sees a half-written file and a failed write leaves the old file in place.
#pragma once
#include <string>
#include <string_view>

namespace qd {

// Writes `bytes` to `path` atomically; throws "<path>: <reason>" on failure (the temporary file is removed).
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace qd
