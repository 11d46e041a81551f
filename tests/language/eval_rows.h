// One row of a language evaluation set (language_eval.jsonl,
// multilingual_eval.jsonl): its labelled segments joined into the text the
// verifier reads, and the true share of the target counted with the
// verifier's own word counter (math segments do not count).
#ifndef TESTS_LANGUAGE_EVAL_ROWS_H_
#define TESTS_LANGUAGE_EVAL_ROWS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "rewards/language_verifier.h"

namespace rewards {

struct EvalRow {
  std::string id, kind, target, text;
  double truth = 1;  // the target's share of the words
};

// `separator(target)`: what stands between two segments.
template <typename Separator>
EvalRow ReadEvalRow(const google::protobuf::Struct& row, Separator separator) {
  const auto& f = row.fields();
  EvalRow r;
  r.id = f.at("id").string_value();
  r.kind = f.at("kind").string_value();
  r.target = f.at("target").string_value();
  int target_words = 0, all_words = 0;
  for (const auto& seg : f.at("segments").list_value().values()) {
    const auto& s = seg.struct_value().fields();
    const std::string& t = s.at("text").string_value();
    const std::string& lang = s.at("lang").string_value();
    const int n = lang == "math" ? 0 : CountWords(t);
    all_words += n;
    if (lang == r.target) target_words += n;
    absl::StrAppend(&r.text, separator(r.target, r.text.empty()), t);
  }
  r.truth = all_words ? static_cast<double>(target_words) / all_words : 1.0;
  return r;
}

// The share of `lang` in an analysis.
inline double ShareOf(const LanguageAnalysis& a, const std::string& lang) {
  if (a.words == 0) return 0;
  for (const auto& l : a.languages) {
    if (l.language == lang) return static_cast<double>(l.words) / a.words;
  }
  return 0;
}

}  // namespace rewards

#endif  // TESTS_LANGUAGE_EVAL_ROWS_H_
