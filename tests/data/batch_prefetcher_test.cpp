#include "data/batch_prefetcher.h"

#include <gtest/gtest.h>

#include <thread>

#include "data/test_files.h"

namespace qd {
namespace {

using test::TempDir;

// Nine images with distinct flat colours, three unreadable files between them (one of them 0 bytes).
void write_mixed_folder(const TempDir& dir) {
  for (int k = 0; k < 9; ++k)
    test::write_png(dir / ("img" + std::to_string(k) + ".png"), 32, 32, 3,
                    std::vector<uint8_t>(32 * 32 * 3, static_cast<uint8_t>(20 * k)));
  test::write_bytes(dir / "img0_bad.jpg", "garbage");
  test::write_bytes(dir / "img4_empty.png", "");
  test::write_bytes(dir / "img8_bad.bmp", "BM");
}

struct Pass {
  std::vector<std::vector<int>> indices;  // per batch
  std::vector<std::vector<float>> inputs;
  std::vector<std::string> skips;  // "path: reason", in callback order
  std::vector<size_t> skips_before_batch;
  size_t skipped = 0, resized = 0;
};

template <typename Loader>
Pass run_pass(Loader& loader, std::vector<std::string>& skips) {
  Pass p;
  Batch b;
  while (loader.next(b)) {
    p.indices.push_back(b.indices);
    p.inputs.emplace_back(b.input.template data<float>(), b.input.template data<float>() + b.input.numel());
    p.skips_before_batch.push_back(skips.size());
    EXPECT_EQ(b.paths.size(), b.indices.size());
  }
  EXPECT_FALSE(loader.next(b));  // stays exhausted
  p.skips = skips;
  p.skipped = loader.skipped();
  p.resized = loader.resized();
  return p;
}

TEST(BatchPrefetcher, SameBatchesSkipsAndCountsAsThePlainLoader) {
  TempDir dir;
  write_mixed_folder(dir);
  Preprocess pre;
  pre.width = pre.height = 16;  // every image is stretched: counted as resized
  for (int batch : {1, 2, 4, 16}) {
    const std::thread::id caller = std::this_thread::get_id();
    std::vector<std::string> plain_skips, prefetch_skips;
    BatchLoaderOptions opt;
    opt.batch_size = batch;
    opt.threads = 2;
    opt.on_skip = [&](const std::string& path, const std::string& reason) {
      plain_skips.push_back(path + ": " + reason);
    };
    BatchLoader plain(open_dataset(dir.str()), pre, opt);
    const Pass expected = run_pass(plain, plain_skips);

    opt.on_skip = [&](const std::string& path, const std::string& reason) {
      EXPECT_EQ(std::this_thread::get_id(), caller) << "skip reported off the caller's thread";
      prefetch_skips.push_back(path + ": " + reason);
    };
    BatchPrefetcher prefetcher(open_dataset(dir.str()), pre, opt);
    EXPECT_EQ(prefetcher.size(), 12u);
    const Pass got = run_pass(prefetcher, prefetch_skips);

    EXPECT_EQ(got.indices, expected.indices) << "batch " << batch;
    EXPECT_EQ(got.inputs, expected.inputs) << "batch " << batch;
    EXPECT_EQ(got.skips, expected.skips) << "batch " << batch;
    EXPECT_EQ(got.skips_before_batch, expected.skips_before_batch) << "batch " << batch;
    EXPECT_EQ(got.skipped, 3u);
    EXPECT_EQ(got.resized, 9u);
    ASSERT_EQ(got.skips.size(), 3u);
    EXPECT_EQ(got.skips[1], (dir / "img4_empty.png") + ": empty file (0 bytes), not an image");
  }
}

TEST(BatchPrefetcher, DestroyedWithABatchInFlight) {
  TempDir dir;
  write_mixed_folder(dir);
  Preprocess pre;
  pre.width = pre.height = 32;
  BatchLoaderOptions opt;
  opt.batch_size = 2;
  BatchPrefetcher prefetcher(open_dataset(dir.str()), pre, opt);
  Batch b;
  ASSERT_TRUE(prefetcher.next(b));  // the second batch is decoding now; the destructor waits for it
  EXPECT_EQ(b.indices, (std::vector<int>{0, 2}));
}

}  // namespace
}  // namespace qd
