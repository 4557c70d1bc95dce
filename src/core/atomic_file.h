// Atomic file output: write to "<path>.tmp.<pid>" in the same folder, then rename over <path>, so a
// failure or a kill never leaves a half-written file under the final name.
#pragma once
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace qd {

// Calls write(stream) on a temporary file next to `path`, checks the stream, fsyncs and renames.
// On any failure removes the temporary and throws a user error naming `path`.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);
// Writes `bytes` to `path` atomically.
void write_file_atomic(const std::string& path, std::string_view bytes);
// Copies src to dst atomically.
void copy_file_atomic(const std::string& src, const std::string& dst);
// Creates a directory (and parents); user error naming it when that fails or it is not writable.
void ensure_writable_dir(const std::string& dir);
// Checks, before long work, that `path` could be created: its folder exists and is writable. User error
// naming `path` ("cannot create file: ...") otherwise. Creates nothing.
void check_output_file(const std::string& path);

}  // namespace qd
