// `format`: does the completion follow the reasoning template?
//
// Default (mode=strict): DeepSeek-R1's template, exactly one each of
// <think>, </think>, <answer>, </answer>, in that order, spanning the whole
// completion: only whitespace may stand before <think>, between </think> and
// <answer>, and after </answer>; anything (newlines too) inside. Score 1 or 0.
//
// mode=tag_count: 0.25 for each of the four tags that appears exactly once.
// pattern=RE: a custom RE2 pattern that must match the whole completion
// (`.` also matches newlines). prefilled_think: chat templates that put
// <think> at the end of the prompt leave completions that start inside the
// reasoning; then the completion is scored as if it began with <think>.
#ifndef REWARDS_FORMAT_VERIFIER_H_
#define REWARDS_FORMAT_VERIFIER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace rewards {

// What is wrong with `text` against the strict template, or "" when nothing
// is ("missing </think>", "text after </answer>", "<answer> appears 2 times").
std::string DiagnoseThinkAnswer(absl::string_view text);

// `text` without the end-of-sequence tokens at its end (<|endoftext|>,
// <|im_end|>, <|eot_id|>, </s>, DeepSeek's <｜end▁of▁sentence｜>, ...) and
// the whitespace around them.
absl::string_view WithoutEndTokens(absl::string_view text);

// True when `text` scores 1 under the strict template: nothing to diagnose,
// and the shape of the regex \s*<think>.*</think>\s*<answer>.*</answer>\s*
// with `.` matching newlines (RE2's \s has no \v; its `.` matches valid
// UTF-8 only).
bool MatchesStrictTemplate(absl::string_view text);

}  // namespace rewards

#endif  // REWARDS_FORMAT_VERIFIER_H_
