// `language`: the share of the reasoning's words that are in the target
// language (DeepSeek-R1's language-consistency reward).
//
// Words are ICU word-break segments that hold letters, kana or ideographs
// (dictionary-based for Chinese, Japanese, Thai, ...); numbers, punctuation,
// symbols, LaTeX commands and math, fenced code blocks and inline code do
// not count. Each ICU sentence is assigned a language per script: the
// script alone decides where it can (Hangul -> ko, kana -> ja, Han -> zh
// unless the sentence has kana, Thai, Greek, Hebrew, ...); Latin, Cyrillic,
// Arabic and Devanagari words are scored by LanguageModel (n-grams of
// langdetect's profiles). Knowing the target, a sentence counts for it unless
// another language is clearly likelier (more so for a close neighbour, less
// for a language the text switches to elsewhere); English terms inside a
// target-language sentence count as English. The words of a sentence count
// for its language.
#ifndef REWARDS_LANGUAGE_VERIFIER_H_
#define REWARDS_LANGUAGE_VERIFIER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rewards {

struct LanguageCount {
  std::string language;  // primary subtag: "en", "zh", "pt"; "und" when unknown
  int words = 0;
};

struct LanguageAnalysis {
  int words = 0;                        // all counted words
  std::vector<LanguageCount> languages;  // most words first
};

// Counts the words of `text` (valid UTF-8) per language, each sentence's
// words for the likeliest language.
LanguageAnalysis AnalyzeLanguages(absl::string_view text);

// The same, knowing the target language (a BCP-47 tag): a sentence counts
// for the target unless another language is clearly likelier, which decides
// short sentences and same-script neighbours (es/pt/ca, ru/uk/bg, da/no/sv)
// that a blind guess confuses.
LanguageAnalysis AnalyzeLanguages(absl::string_view text, absl::string_view target);

// The languages whose words AnalyzeLanguages can tell (primary subtags,
// sorted): the model's and those a script names alone.
const std::vector<std::string>& SupportedLanguages();

// Counts words only (ICU letter, kana and ideographic words), after the same
// removal of code and math. For building evaluation sets.
int CountWords(absl::string_view text);

// The primary language subtag of a BCP-47 tag, lower case, with legacy codes
// mapped: "pt-BR" -> "pt", "zh-Hant" -> "zh", "iw" -> "he", "EN_us" -> "en".
std::string PrimaryLanguage(absl::string_view tag);

// `text` with fenced code blocks, inline code, LaTeX math ($…$, $$…$$,
// \(…\), \[…\], \begin…\end) and LaTeX commands blanked out.
std::string StripNonProse(absl::string_view text);

}  // namespace rewards

#endif  // REWARDS_LANGUAGE_VERIFIER_H_
