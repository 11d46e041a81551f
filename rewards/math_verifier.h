// `math`: does the completion's final answer equal the reference?
//
// The answer is taken from the region named by the `extract` rules, tried in
// order until one finds its marker:
//   answer_tag   content of the last <answer>…</answer>; a \boxed{} inside it
//                narrows it further
//   boxed        the last \boxed{…} / \fbox{…} (balanced braces)
//   phrase       "the answer is …", "final answer: …", "答案是…", "la respuesta es …"
//   last_number  the last number in the completion
// Then both sides are parsed (rewards/math_answer.h) and compared: exactly
// when both are exact rationals, else within rel_tol/abs_tol.
//
// Against reward hacking: several different answers (\boxed{14} … \boxed{20},
// "14 or 20") score 0 unless allow_multiple; a region over max_answer_chars
// scores 0; an empty answer never matches; nothing is read from the prompt.
#ifndef REWARDS_MATH_VERIFIER_H_
#define REWARDS_MATH_VERIFIER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace rewards {

// Where an extraction rule found the answer.
struct AnswerRegion {
  bool found = false;
  std::string rule;
  // The text the rule delimits (e.g. the last <answer> block's content).
  absl::string_view region;
  // What max_answer_chars limits: the length of all text the rule delimits
  // (every <answer> block together).
  size_t chars = 0;
  // The answer candidates inside it: one, or several (every \boxed{} of the
  // region, every <answer> block), which must agree.
  std::vector<absl::string_view> candidates;
};

// Applies `rules` (answer_tag, boxed, phrase, last_number) in order.
AnswerRegion ExtractAnswer(absl::string_view completion, const std::vector<std::string>& rules);

// The contents of every top-level \boxed{…} / \fbox{…} in `text`, in order,
// found in one linear pass (unbalanced ones are skipped).
std::vector<absl::string_view> FindBoxed(absl::string_view text);

// The answer part of a reference: after the last "####" (GSM8K), else its
// \boxed{} values (several different ones joined by ", "), else all of it.
std::string ReferenceAnswerText(absl::string_view reference);

}  // namespace rewards

#endif  // REWARDS_MATH_VERIFIER_H_
