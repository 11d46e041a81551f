// Language verifier throughput (MB/s of reasoning text, one thread, each
// text with its target language), beside baselines measured in the same run
// on the same text, in turn within each round: ICU's word break iterator
// alone over the whole text (what a plain ICU word count costs), its
// sentence iterator, and one CLD2 call per text (document-level detection,
// which cannot give shares per sentence).
#include <algorithm>
#include "bench/timing.h"
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cld2/public/compact_lang_det.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/language_verifier.h"
#include "unicode/ubrk.h"
#include "unicode/ustring.h"

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
  const int kReps = 15;
  double mb = bytes / 1e6;
  long sink = 0;
  UErrorCode status = U_ZERO_ERROR;
  UBreakIterator* words_bi = ubrk_open(UBRK_WORD, "", nullptr, 0, &status);
  UBreakIterator* sentences_bi = ubrk_open(UBRK_SENTENCE, "", nullptr, 0, &status);
  // One ICU break iterator over every text (as UTF-16).
  auto icu_pass = [&](UBreakIterator* bi) {
    std::vector<UChar> u;
    for (const auto& t : texts) {
      u.resize(t.size() + 1);
      int32_t len = 0;
      UErrorCode st = U_ZERO_ERROR;
      u_strFromUTF8(u.data(), static_cast<int32_t>(u.size()), &len, t.data(), static_cast<int32_t>(t.size()), &st);
      ubrk_setText(bi, u.data(), len, &st);
      for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi)) sink += ubrk_getRuleStatus(bi) > 0;
    }
  };
  // The series, timed in turn within each round so that the machine's noise
  // hits them alike; the best round of each counts.
  struct Series {
    const char* name;
    std::function<void()> pass;
    double best = 1e300;
  };
  std::vector<Series> series = {
      {"baseline: ICU word break iterator only", [&] { icu_pass(words_bi); }},
      {"baseline: ICU sentence break iterator only", [&] { icu_pass(sentences_bi); }},
      {"baseline: one CLD2 call per text",
       [&] {
         for (const auto& t : texts) {
           bool reliable;
           sink += CLD2::DetectLanguage(t.data(), static_cast<int>(t.size()), true, &reliable);
         }
       }},
      {"word counting alone (CountWords)",
       [&] {
         for (const auto& t : texts) sink += rewards::CountWords(t);
       }},
      {"language verifier (AnalyzeLanguages, target)",
       [&] {
         for (size_t i = 0; i < texts.size(); ++i) sink += rewards::AnalyzeLanguages(texts[i], targets[i]).words;
       }},
  };
  for (int round = 0; round < kReps; ++round) {
    for (Series& s : series) s.best = std::min(s.best, bench::BestSeconds(1, s.pass));
  }
  ubrk_close(words_bi);
  ubrk_close(sentences_bi);
  const double icu = series[0].best, ours = series.back().best;
  std::printf("language benchmark: %zu texts, %.1f MB, mean %.0f bytes, best of %d rounds (each series in turn), 1 thread\n",
              texts.size(), mb, static_cast<double>(bytes) / texts.size(), kReps);
  for (const Series& x : series) std::printf("  %-46s %8.1f MB/s\n", x.name, mb / x.best);
  std::printf("  ratio verifier / ICU word iterator: %.2f   (checksum %ld)\n", icu / ours, sink % 10);
  return 0;
}
