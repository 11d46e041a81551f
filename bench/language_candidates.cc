// The candidates for the language verifier's language identification, side
// by side on one evaluation set (issue 13): accuracy (MAE of the target's
// share of words, per kind of text) and speed (MB/s, one thread, one pass
// after an untimed one).
//
//   bazel build -c opt //bench:language_candidates
//   bazel-bin/bench/language_candidates tests/language/multilingual_eval.jsonl
//
// Every candidate sees the verifier's own sentences (ICU) and word counts;
// it names each sentence's language, and the sentence's words count for it.
//   - model + target: the verifier itself (AnalyzeLanguages with the target:
//     n-gram model over langdetect's profiles, target or not per sentence,
//     English terms inside sentences);
//   - model, blind: the same model's likeliest language per sentence;
//   - CLD2 + hint: CLD2 per sentence, the target as its language hint;
//   - CLD2: CLD2 per sentence;
//   - TextCat: libexttextcat's fingerprints (about 160 languages) per sentence.
#include <cstdio>  // before CLD2, whose header uses FILE without it

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cld2/public/compact_lang_det.h"
#include "cld2/public/encodings.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libexttextcat/textcat.h"
#include "rewards/language_verifier.h"
#include "unicode/ubrk.h"
#include "unicode/ustring.h"

namespace {

struct Sample {
  std::string id, kind, target, text;
  double truth = 0;
};

std::vector<Sample> Load(const char* path) {
  std::vector<Sample> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    google::protobuf::Struct row;
    if (!google::protobuf::util::JsonStringToMessage(line, &row).ok()) continue;
    const auto& f = row.fields();
    Sample s{f.at("id").string_value(), f.at("kind").string_value(), f.at("target").string_value(), ""};
    int target_words = 0, all_words = 0;
    for (const auto& seg : f.at("segments").list_value().values()) {
      const auto& g = seg.struct_value().fields();
      const std::string& t = g.at("text").string_value();
      const std::string& lang = g.at("lang").string_value();
      const int n = lang == "math" ? 0 : rewards::CountWords(t);
      all_words += n;
      if (lang == s.target) target_words += n;
      absl::StrAppend(&s.text, s.text.empty() ? "" : " ", t);
    }
    s.truth = all_words ? static_cast<double>(target_words) / all_words : 1.0;
    out.push_back(std::move(s));
  }
  return out;
}

// The text's sentences (ICU) after the verifier's removal of code and math.
std::vector<std::string> Sentences(const std::string& text) {
  const std::string prose = rewards::StripNonProse(text);
  std::vector<UChar> u(prose.size() + 1);
  int32_t len = 0;
  UErrorCode st = U_ZERO_ERROR;
  u_strFromUTF8(u.data(), static_cast<int32_t>(u.size()), &len, prose.data(), static_cast<int32_t>(prose.size()), &st);
  UBreakIterator* bi = ubrk_open(UBRK_SENTENCE, "", u.data(), len, &st);
  std::vector<std::string> out;
  for (int32_t s = ubrk_first(bi), e = ubrk_next(bi); e != UBRK_DONE; s = e, e = ubrk_next(bi)) {
    std::string sentence(4 * (e - s) + 1, '\0');
    int32_t n = 0;
    UErrorCode st2 = U_ZERO_ERROR;
    u_strToUTF8(sentence.data(), static_cast<int32_t>(sentence.size()), &n, u.data() + s, e - s, &st2);
    sentence.resize(n);
    out.push_back(sentence);
  }
  ubrk_close(bi);
  return out;
}

// The share of the target's words when `language` names each sentence's.
double SentenceShare(const Sample& s, const std::function<std::string(const std::string&, const std::string&)>& language) {
  int target = 0, all = 0;
  for (const std::string& sentence : Sentences(s.text)) {
    const int n = rewards::CountWords(sentence);
    if (n == 0) continue;
    all += n;
    if (language(sentence, s.target) == s.target) target += n;
  }
  return all ? static_cast<double>(target) / all : 1.0;
}

std::string Cld2(const std::string& sentence, const std::string& target, bool hint) {
  CLD2::CLDHints hints = {hint ? target.c_str() : nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language language3[3];
  int percent3[3];
  double scores3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::Language lang = CLD2::ExtDetectLanguageSummary(sentence.data(), static_cast<int>(sentence.size()), true,
                                                       &hints, CLD2::kCLDFlagBestEffort, language3, percent3, scores3,
                                                       nullptr, &text_bytes, &reliable);
  return rewards::PrimaryLanguage(CLD2::LanguageCode(lang));
}

std::string TextCat(void* handle, const std::string& sentence) {
  const char* out = textcat_Classify(handle, sentence.data(), sentence.size());
  std::string s = out == nullptr ? "" : out;
  // "[en--utf8][de--utf8]" -> "en"; "SHORT", "UNKNOWN" -> "".
  if (s.size() < 3 || s[0] != '[') return "";
  std::string name = s.substr(1, s.find_first_of("-]") - 1);
  return rewards::PrimaryLanguage(name);
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "tests/language/multilingual_eval.jsonl";
  std::vector<Sample> samples = Load(path);
  if (samples.empty()) {
    std::fprintf(stderr, "cannot read %s (run from the repository's top)\n", path);
    return 2;
  }
  size_t bytes = 0;
  for (const Sample& s : samples) bytes += s.text.size();
  void* textcat = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf", "/usr/share/libexttextcat/");
  if (textcat == nullptr) {
    std::fprintf(stderr, "cannot load libexttextcat's fingerprints (package libexttextcat-data)\n");
    return 2;
  }
  struct Candidate {
    const char* name;
    std::function<double(const Sample&)> share;
  };
  const std::vector<Candidate> candidates = {
      {"model + target (the verifier)",
       [](const Sample& s) {
         rewards::LanguageAnalysis a = rewards::AnalyzeLanguages(s.text, s.target);
         for (const auto& l : a.languages) {
           if (l.language == s.target) return static_cast<double>(l.words) / a.words;
         }
         return a.words ? 0.0 : 1.0;
       }},
      {"model, blind, per sentence",
       [](const Sample& s) {
         return SentenceShare(s, [](const std::string& sentence, const std::string&) {
           rewards::LanguageAnalysis a = rewards::AnalyzeLanguages(sentence);
           return a.languages.empty() ? std::string() : a.languages[0].language;
         });
       }},
      {"CLD2 + target hint, per sentence",
       [](const Sample& s) {
         return SentenceShare(s, [](const std::string& sentence, const std::string& target) {
           return Cld2(sentence, target, true);
         });
       }},
      {"CLD2, per sentence",
       [](const Sample& s) {
         return SentenceShare(s, [](const std::string& sentence, const std::string& target) {
           return Cld2(sentence, target, false);
         });
       }},
      {"TextCat (libexttextcat), per sentence",
       [textcat](const Sample& s) {
         return SentenceShare(s, [textcat](const std::string& sentence, const std::string&) {
           return TextCat(textcat, sentence);
         });
       }},
  };
  std::printf("language candidates: %s, %zu texts, %.2f MB, one thread, one pass after a warm-up\n", path, samples.size(),
              bytes / 1e6);
  std::map<std::string, int> kinds;
  for (const Sample& s : samples) ++kinds[s.kind];
  std::printf("  %-38s %8s %8s", "candidate", "MAE", ">0.1");
  for (const auto& [kind, n] : kinds) std::printf(" %11.11s", kind.c_str());
  std::printf(" %8s\n", "MB/s");
  for (const Candidate& c : candidates) {
    std::map<std::string, double> by_kind;
    double error = 0;
    int over = 0;
    std::vector<double> shares;
    shares.reserve(samples.size());
    for (const Sample& s : samples) shares.push_back(c.share(s));  // warm-up (tables, caches)
    shares.clear();
    auto start = std::chrono::steady_clock::now();
    for (const Sample& s : samples) shares.push_back(c.share(s));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (size_t i = 0; i < samples.size(); ++i) {
      const double e = std::abs(shares[i] - samples[i].truth);
      error += e;
      over += e > 0.1;
      by_kind[samples[i].kind] += e;
    }
    std::printf("  %-38s %8.4f %7.1f%%", c.name, error / samples.size(), 100.0 * over / samples.size());
    for (const auto& [kind, n] : kinds) std::printf(" %11.4f", by_kind[kind] / n);
    std::printf(" %8.2f\n", bytes / 1e6 / seconds);
  }
  textcat_Done(textcat);
  return 0;
}
