// libFuzzer target: the language analysis. The input (made valid UTF-8 the
// way a request's text is checked: invalid sequences become U+FFFD) is
// analysed blind and against a target named by its first byte, and through
// the helpers the verifier uses (StripNonProse, CountWords). Nothing may
// crash, hang or trip a sanitizer; the per-language counts must add up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rewards/language_verifier.h"
#include "rewards/utf8.h"

namespace {

void Check(const rewards::LanguageAnalysis& a) {
  long sum = 0;
  for (const auto& l : a.languages) {
    if (l.words <= 0) std::abort();
    sum += l.words;
  }
  if (sum != a.words) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kTargets[] = {"en", "zh", "ja", "ko", "ru", "es", "pt-BR", "fr", "de", "ar",
                                         "hi", "th", "uk", "und", "xx", "EN_us", "zh-Hant", "iw"};
  const char* target = kTargets[data[0] % (sizeof(kTargets) / sizeof(kTargets[0]))];
  const std::string text =
      rewards::CleanUtf8(absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  Check(rewards::AnalyzeLanguages(text));
  Check(rewards::AnalyzeLanguages(text, target));
  rewards::StripNonProse(text);
  if (rewards::CountWords(text) < 0) std::abort();
  rewards::PrimaryLanguage(text.substr(0, 32));
  return 0;
}
