// A main for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on each
// file named, or on every file in the folders named (missing folders are skipped). Builds
// with any compiler, so the regression inputs and seed corpora of fuzz/ run with the other
// tests (ctest) in every build, the sanitizer build included (fuzz/CMakeLists.txt).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path path(argv[i]);
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with('.')) {
          files.push_back(entry.path());
        }
      }
    } else if (fs::is_regular_file(path)) {
      files.push_back(path);
    } else if (!fs::exists(path)) {
      std::printf("%s: not there, skipped\n", argv[i]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "no inputs: give files or folders of inputs\n");
    return 2;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "%s: cannot read\n", file.c_str());
      return 2;
    }
    // A buffer of exactly the input's size, as libFuzzer passes it, so that AddressSanitizer
    // sees a read past its end.
    std::unique_ptr<uint8_t[]> data(new uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), data.get());
    std::printf("%s\n", file.c_str());
    std::fflush(stdout);  // the input is named even when it crashes
    LLVMFuzzerTestOneInput(data.get(), bytes.size());
  }
  std::printf("%zu inputs passed\n", files.size());
  return 0;
}
