#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace qd {
namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("qd_atomic_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST(AtomicFile, WritesCompleteFileAndLeavesNoTemporary) {
  fs::path d = fresh_dir("ok");
  write_file_atomic((d / "a.txt").string(), [](std::ostream& os) { os << "hello"; });
  EXPECT_EQ(read_all(d / "a.txt"), "hello");
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator{}), 1);
}

TEST(AtomicFile, FailureKeepsEarlierFileUntouched) {
  fs::path d = fresh_dir("fail");
  write_file_atomic((d / "a.txt").string(), [](std::ostream& os) { os << "old"; });
  EXPECT_THROW(write_file_atomic((d / "a.txt").string(),
                                 [](std::ostream& os) {
                                   os << "partial";
                                   fail("x", "simulated failure");
                                 }),
               Error);
  EXPECT_EQ(read_all(d / "a.txt"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator{}), 1);
}

TEST(AtomicFile, UnwritableFolderIsUserErrorNamingPath) {
  try {
    write_file_atomic("/proc/qd_no_such_dir/a.txt", [](std::ostream& os) { os << "x"; });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    EXPECT_NE(std::string(e.what()).find("/proc/qd_no_such_dir/a.txt"), std::string::npos);
  }
}

// A stream that goes bad mid-write is what a full disk looks like to the writer.
TEST(AtomicFile, FailedStreamIsReportedAndNoPartialFile) {
  fs::path d = fresh_dir("full");
  EXPECT_THROW(
      write_file_atomic((d / "b.bin").string(), [](std::ostream& os) { os.setstate(std::ios::badbit); }),
      Error);
  EXPECT_FALSE(fs::exists(d / "b.bin"));
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator{}), 0);
}

}  // namespace qd
