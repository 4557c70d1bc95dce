#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace qd {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
      if (!os) fail(path, std::string("cannot create file: ") + std::strerror(errno));
      write(os);
      os.flush();
      if (!os) fail(path, "write failed (disk full?)");
    }
    int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      bool ok = ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) fail(path, std::string("write failed: ") + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fail(path, "cannot rename temporary file: " + ec.message());
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_file_atomic(
      path, [&](std::ostream& os) { os.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

void copy_file_atomic(const std::string& src, const std::string& dst) {
  std::ifstream in(src, std::ios::binary);
  if (!in) fail(src, std::string("cannot open: ") + std::strerror(errno));
  // An explicit loop: `os << in.rdbuf()` stops silently when the output fails part-way (e.g. a full disk)
  // without setting failbit, which would rename a truncated copy into place.
  write_file_atomic(dst, [&](std::ostream& os) {
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      if (!os.write(buf, in.gcount())) return;  // write_file_atomic reports the failed stream
    }
    if (in.bad()) fail(src, "read failed");
  });
}

void ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create directory: " + ec.message());
  if (::access(dir.c_str(), W_OK) != 0) fail(dir, "directory is not writable");
}

void check_output_file(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec))
    fail(path, "cannot create file: " + parent.string() + " is not an existing folder");
  if (::access(parent.c_str(), W_OK) != 0)
    fail(path, "cannot create file: folder " + parent.string() + " is not writable");
}

}  // namespace qd
