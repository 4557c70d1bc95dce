// libFuzzer target: image bytes (JPEG/PNG/BMP/anything) through the public decoder with a 1 M pixel limit
// (big enough for every decoder path, small enough that one input stays fast under ASan), then resized to the
// 32x32 network input as the data loader does.
#include <cstdint>
#include <vector>

#include "data/image.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  qd::fuzz::expect_clean([&] {
    qd::Image img = qd::decode_image_bytes(bytes, "fuzz", 1 << 20);
    if (img.width <= 0 || img.height <= 0 ||
        img.rgb.size() != static_cast<size_t>(img.width) * img.height * 3)
      std::abort();  // a decoded image must be consistent
    qd::resize_bilinear(img, 32, 32);
  });
  return 0;
}
