// Runs a libFuzzer target's function over every file of its corpus, so that
// `make test` (g++, no fuzzing engine) replays what fuzzing found and kept.
// Usage: <test> <corpus dir>...; each file is one input.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    DIR* dir = opendir(argv[i]);
    if (dir == nullptr) {
      std::fprintf(stderr, "cannot open corpus %s\n", argv[i]);
      return 1;
    }
    std::vector<std::string> names;
    for (dirent* e; (e = readdir(dir)) != nullptr;) {
      if (e->d_name[0] != '.') names.push_back(std::string(argv[i]) + "/" + e->d_name);
    }
    closedir(dir);
    for (const std::string& name : names) {
      std::ifstream in(name, std::ios::binary);
      std::stringstream data;
      data << in.rdbuf();
      const std::string bytes = data.str();
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++inputs;
    }
  }
  std::printf("replayed %zu inputs\n", inputs);
  return inputs > 0 ? 0 : 1;
}
