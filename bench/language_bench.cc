// Language verifier throughput (MB/s of reasoning text, one thread), beside
// baselines measured in the same run on the same text: ICU's word break
// iterator alone over the whole text (what a plain ICU word count costs) and
// one CLD2 call per text (document-level detection, which cannot give shares
// per sentence).
#include <algorithm>
#include "bench/timing.h"
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cld2/public/compact_lang_det.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/language_verifier.h"
#include "unicode/ubrk.h"
#include "unicode/ustring.h"

namespace {



}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "tests/language/language_eval.jsonl";
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s (run from the repository's top)\n", path);
    return 2;
  }
  // Texts of about 1-2 KB: the evaluation set's samples, each doubled.
  std::vector<std::string> texts, targets;
  size_t bytes = 0;
  std::string line;
  while (std::getline(in, line)) {
    google::protobuf::Struct row;
    if (!google::protobuf::util::JsonStringToMessage(line, &row).ok()) continue;
    std::string text;
    for (const auto& seg : row.fields().at("segments").list_value().values()) {
      text += seg.struct_value().fields().at("text").string_value() + " ";
    }
    text += text;
    bytes += text.size();
    texts.push_back(std::move(text));
    targets.push_back(row.fields().at("target").string_value());
  }
  const int kReps = 9;
  double mb = bytes / 1e6;
  long sink = 0;
  // One ICU break iterator of `type` over every text (as UTF-16).
  auto icu_pass = [&](UBreakIteratorType type) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator* bi = ubrk_open(type, "", nullptr, 0, &status);
    double seconds = bench::BestSeconds(kReps, [&] {
      std::vector<UChar> u;
      for (const auto& t : texts) {
        u.resize(t.size() + 1);
        int32_t len = 0;
        UErrorCode st = U_ZERO_ERROR;
        u_strFromUTF8(u.data(), static_cast<int32_t>(u.size()), &len, t.data(), static_cast<int32_t>(t.size()), &st);
        ubrk_setText(bi, u.data(), len, &st);
        for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi)) sink += ubrk_getRuleStatus(bi) > 0;
      }
    });
    ubrk_close(bi);
    return seconds;
  };
  double icu = icu_pass(UBRK_WORD);
  double sentences = icu_pass(UBRK_SENTENCE);
  double words = bench::BestSeconds(kReps, [&] {
    for (const auto& t : texts) sink += rewards::CountWords(t);
  });
  double cld2 = bench::BestSeconds(kReps, [&] {
    for (const auto& t : texts) {
      bool reliable;
      sink += CLD2::DetectLanguage(t.data(), static_cast<int>(t.size()), true, &reliable);
    }
  });
  double ours = bench::BestSeconds(kReps, [&] {
    for (size_t i = 0; i < texts.size(); ++i) sink += rewards::AnalyzeLanguages(texts[i], targets[i]).words;
  });
  std::printf("language benchmark: %zu texts, %.1f MB, mean %.0f bytes, best of %d passes, 1 thread\n",
              texts.size(), mb, static_cast<double>(bytes) / texts.size(), kReps);
  std::printf("  %-46s %8.1f MB/s\n", "baseline: ICU word break iterator only", mb / icu);
  std::printf("  %-46s %8.1f MB/s\n", "baseline: ICU sentence break iterator only", mb / sentences);
  std::printf("  %-46s %8.1f MB/s\n", "baseline: one CLD2 call per text", mb / cld2);
  std::printf("  %-46s %8.1f MB/s\n", "word counting alone (CountWords)", mb / words);
  std::printf("  %-46s %8.1f MB/s\n", "language verifier (AnalyzeLanguages, target)", mb / ours);
  std::printf("  ratio verifier / ICU word iterator: %.2f   (checksum %ld)\n", icu / ours, sink % 10);
  return 0;
}
