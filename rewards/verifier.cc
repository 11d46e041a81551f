#include "rewards/verifier.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace rewards {
namespace {

std::vector<std::unique_ptr<VerifierFactory>>& Registry() {
  static auto* registry = new std::vector<std::unique_ptr<VerifierFactory>>();
  return *registry;
}

}  // namespace

namespace internal {

bool RegisterVerifier(std::unique_ptr<VerifierFactory> factory) {
  auto& reg = Registry();
  for (const auto& f : reg) {
    if (f->Name() == factory->Name()) {
      std::fprintf(stderr, "verifier '%s' registered twice\n", f->Name().c_str());
      std::abort();
    }
  }
  reg.push_back(std::move(factory));
  std::sort(reg.begin(), reg.end(),
            [](const auto& a, const auto& b) { return a->Name() < b->Name(); });
  return true;
}

}  // namespace internal

std::vector<const VerifierFactory*> AllVerifiers() {
  std::vector<const VerifierFactory*> out;
  for (const auto& f : Registry()) out.push_back(f.get());
  return out;
}

const VerifierFactory* FindVerifier(absl::string_view name) {
  for (const auto& f : Registry()) {
    if (f->Name() == name) return f.get();
  }
  return nullptr;
}

}  // namespace rewards
