#include "rewards/language_verifier.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rewards/completion.h"
#include "rewards/language_model.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"
#include "unicode/ubrk.h"
#include "unicode/uchar.h"
#include "unicode/uscript.h"
#include "unicode/utf8.h"

namespace rewards {
namespace {

// ------------------------------------------------------------ non-prose

// Blanks [from, to) with spaces (keeps the text's length and sentence breaks).
void Blank(std::string* s, size_t from, size_t to) {
  for (size_t i = from; i < to && i < s->size(); ++i) {
    if ((*s)[i] != '\n') (*s)[i] = ' ';
  }
}

bool IsAsciiLetter(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }

// Scripts written without spaces (defined with the word iterator below).
bool DictionaryScript(UScriptCode sc);

// Blanks [from, to), a span of code or math, except the prose hidden in it:
// runs of kHiddenProseWords or more words of two or more letters on one line
// (LaTeX commands are not words; digits, operators and brackets end a run),
// and text in scripts written without spaces (Han, kana, Hangul, Thai, ...),
// which no formula or program is made of. A reasoning written inside `$…$`,
// \begin{align}…\end{align} or backticks counts as what it is;
// `\text{for all } x`, `x_{max}`, `for item in list:` stay blank.
constexpr int kHiddenProseWords = 5;
void BlankKeepingProse(std::string* s, size_t from, size_t to) {
  to = std::min(to, s->size());
  std::vector<std::pair<size_t, size_t>> keep;
  size_t run_start = 0, run_end = 0;
  int run_words = 0;
  auto end_run = [&] {
    if (run_words >= kHiddenProseWords) keep.emplace_back(run_start, run_end);
    run_words = 0;
  };
  size_t i = from;
  while (i < to) {
    const unsigned char c = static_cast<unsigned char>((*s)[i]);
    if (c == '\\') {  // a command and its letters: not a word
      end_run();
      ++i;
      while (i < to && IsAsciiLetter((*s)[i])) ++i;
      continue;
    }
    if (c < 0x80 && IsAsciiLetter(static_cast<char>(c))) {
      size_t j = i;
      while (j < to && IsAsciiLetter((*s)[j])) ++j;
      if (j - i >= 2) {
        if (run_words == 0) run_start = i;
        ++run_words;
        run_end = j;
      } else {
        end_run();
      }
      i = j;
      continue;
    }
    if (c >= 0x80) {
      int32_t k = static_cast<int32_t>(i);
      UChar32 u;
      U8_NEXT(reinterpret_cast<const uint8_t*>(s->data()), k, static_cast<int32_t>(to), u);
      const size_t next = static_cast<size_t>(k);
      if (u >= 0 && u_isalpha(u)) {
        UErrorCode err = U_ZERO_ERROR;
        const UScriptCode sc = uscript_getScript(u, &err);
        if (DictionaryScript(sc) || sc == USCRIPT_HANGUL) {
          keep.emplace_back(i, next);
        } else {
          // A letter of another script: part of a word of letters.
          size_t j = next;
          while (j < to) {
            int32_t m = static_cast<int32_t>(j);
            UChar32 v;
            U8_NEXT(reinterpret_cast<const uint8_t*>(s->data()), m, static_cast<int32_t>(to), v);
            if (v < 0 || !(u_isalpha(v) || (v < 0x80 && IsAsciiLetter(static_cast<char>(v))))) break;
            j = static_cast<size_t>(m);
          }
          if (run_words == 0) run_start = i;
          ++run_words;
          run_end = j;
          i = j;
          continue;
        }
      } else {
        end_run();
      }
      i = next;
      continue;
    }
    // Between the words of a sentence: spaces and punctuation; anything else
    // (digits, operators, braces) ends a run.
    if (!(c == ' ' || c == '\t' || c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?' ||
          c == '\'' || c == '"')) {
      end_run();
    }
    ++i;
  }
  end_run();
  size_t at = from;
  for (const auto& [a, b] : keep) {
    Blank(s, at, a);
    at = std::max(at, b);
  }
  Blank(s, at, to);
}

// Blanks every span from `open` to the next `close` (inclusive), but for the
// prose in it (BlankKeepingProse); an unclosed `open` is left alone when
// `need_close`, else blanked to the end.
void BlankSpans(std::string* s, absl::string_view open, absl::string_view close, bool need_close) {
  size_t pos = 0;
  while ((pos = s->find(open.data(), pos, open.size())) != std::string::npos) {
    size_t end = s->find(close.data(), pos + open.size(), close.size());
    if (end == std::string::npos) {
      if (need_close) return;
      end = s->size();
    } else {
      end += close.size();
    }
    BlankKeepingProse(s, pos, end);
    pos = end;
  }
}

// Math written in the prose without delimiters ("已知 a + b = 10，ab = 21",
// "Let n = 7. Then 2n = 14."): runs of operands (numbers, and names of at
// most two letters or common function names) joined by operators or
// brackets, holding two operands or more and at least one of = + * / ^ < >
// ("/proc/sys" is a path, not a formula), are blanked, so that
// variables do not count as words of some language. Two operands with only
// spaces between them are not one formula ("19. Il y a un chat" keeps its
// words), nor is a longer word an operand.
void BlankBareFormulas(std::string* s) {
  auto core_operator = [](char c) { return c == '=' || c == '+' || c == '*' || c == '/' || c == '^' || c == '<' || c == '>'; };
  auto joiner = [&](char c) {
    return core_operator(c) || c == '-' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '|' || c == '!' || c == '\'' || c == '_' || c == ',';
  };
  auto short_name = [](absl::string_view w) {
    static const char* kFunctions[] = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "max",
                                       "min", "gcd", "lcm", "mod", "det", "lim", "sqrt", "abs"};
    if (w.size() <= 2) return true;
    for (const char* f : kFunctions) {
      if (w == f) return true;
    }
    return false;
  };
  const size_t n = s->size();
  size_t start = std::string::npos;  // the open candidate
  size_t end = 0;                    // its end (after its last operand or joiner)
  bool has_core = false;
  int operands = 0;                  // in the open candidate
  bool last_operand = false;         // the last token was an operand
  bool spaced = false;               // spaces since the last token
  auto close = [&] {
    if (start != std::string::npos && has_core && operands >= 2) Blank(s, start, end);
    start = std::string::npos;
    has_core = false;
    operands = 0;
    last_operand = false;
  };
  size_t i = 0;
  while (i < n) {
    const char c = (*s)[i];
    if (c == ' ' || c == '\t') {
      spaced = true;
      ++i;
      continue;
    }
    const bool digit = absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (digit || IsAsciiLetter(c)) {
      size_t j = i;
      while (j < n && (IsAsciiLetter((*s)[j]) || absl::ascii_isdigit(static_cast<unsigned char>((*s)[j])) ||
                       ((*s)[j] == '.' && j + 1 < n && j > i && absl::ascii_isdigit(static_cast<unsigned char>((*s)[j - 1])) &&
                        absl::ascii_isdigit(static_cast<unsigned char>((*s)[j + 1]))))) {
        ++j;
      }
      // The letters of the operand ("2n": "n"; "x2": "x") must make a short name.
      std::string letters;
      for (size_t k = i; k < j; ++k) {
        if (IsAsciiLetter((*s)[k])) letters += (*s)[k];
      }
      const bool operand = letters.empty() || short_name(letters);
      // A multi-byte letter right before or after makes it part of a word.
      const bool glued = (i > 0 && static_cast<unsigned char>((*s)[i - 1]) >= 0x80 && !letters.empty()) ||
                         (j < n && static_cast<unsigned char>((*s)[j]) >= 0x80 && !letters.empty());
      if (!operand || glued || (last_operand && spaced)) close();
      if (operand && !glued) {
        if (start == std::string::npos) start = i;
        end = j;
        ++operands;
        last_operand = true;
      }
      spaced = false;
      i = j;
      continue;
    }
    if (joiner(c)) {
      if (start == std::string::npos) start = i;
      has_core |= core_operator(c);
      end = i + 1;
      last_operand = false;
      spaced = false;
      ++i;
      continue;
    }
    close();
    spaced = false;
    ++i;
  }
  close();
}

// `text` with code and math blanked (StripNonProse), into `out`.
void StripNonProse(absl::string_view text, std::string* out);

// ---------------------------------------------------------- ICU helpers

struct BreakIteratorCloser {
  void operator()(UBreakIterator* b) const { ubrk_close(b); }
};
using BreakIteratorPtr = std::unique_ptr<UBreakIterator, BreakIteratorCloser>;

// Per-thread iterators: opening one loads ICU's rules, cloning is cheap.
UBreakIterator* ThreadIterator(UBreakIteratorType type) {
  thread_local BreakIteratorPtr words, sentences;
  BreakIteratorPtr& slot = type == UBRK_WORD ? words : sentences;
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    slot.reset(ubrk_open(type, "", nullptr, 0, &status));
    if (U_FAILURE(status)) slot.reset();
  }
  return slot.get();
}

bool IsCountedWord(int32_t status) {
  return (status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT) ||
         (status >= UBRK_WORD_KANA && status < UBRK_WORD_KANA_LIMIT) ||
         (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT);
}

// The script of a word: that of its first character with a specific script.
UScriptCode WordScript(absl::string_view word) {
  if (!word.empty() && absl::ascii_isalpha(static_cast<unsigned char>(word[0]))) return USCRIPT_LATIN;
  int32_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  const int32_t n = static_cast<int32_t>(word.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &status);
    if (U_SUCCESS(status) && sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) return sc;
  }
  return USCRIPT_COMMON;
}

// Scripts written by one language (or one we name for it).
const char* ScriptLanguage(UScriptCode sc) {
  switch (sc) {
    case USCRIPT_HANGUL: return "ko";
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA: return "ja";
    case USCRIPT_THAI: return "th";
    case USCRIPT_GREEK: return "el";
    case USCRIPT_HEBREW: return "he";
    case USCRIPT_GEORGIAN: return "ka";
    case USCRIPT_ARMENIAN: return "hy";
    case USCRIPT_BENGALI: return "bn";
    case USCRIPT_TAMIL: return "ta";
    case USCRIPT_TELUGU: return "te";
    case USCRIPT_GUJARATI: return "gu";
    case USCRIPT_GURMUKHI: return "pa";
    case USCRIPT_KANNADA: return "kn";
    case USCRIPT_MALAYALAM: return "ml";
    case USCRIPT_KHMER: return "km";
    case USCRIPT_LAO: return "lo";
    case USCRIPT_MYANMAR: return "my";
    case USCRIPT_SINHALA: return "si";
    case USCRIPT_ETHIOPIC: return "am";
    case USCRIPT_TIBETAN: return "bo";
    default: return nullptr;
  }
}

// Decisions, in the model's cost units (tenths of a nat):
// - another language must be e^10 times likelier than the target for a
//   sentence not to count as the target (short sentences of a same-script
//   neighbour look alike; the target is what the text is meant to be in);
constexpr uint32_t kTargetBias = 100;
// - e^7 times for a language that is not a close neighbour of the target
//   (kNeighbours): those are told apart reliably even in short sentences;
constexpr uint32_t kFarBias = 70;

// Close neighbours: languages of one script that short sentences of the
// other resemble (the n-gram evidence between them is thin).
constexpr const char* kNeighbours[] = {
    "es pt ca gl it", "ru uk be bg mk sr", "da no sv", "id ms", "hr sr bs sl", "cs sk",
    "nl af", "hi mr ne", "fi et", "lt lv", "fa ur",
};

bool AreNeighbours(absl::string_view a, absl::string_view b) {
  for (absl::string_view group : kNeighbours) {
    bool has_a = false, has_b = false;
    for (absl::string_view l : absl::StrSplit(group, ' ')) {
      has_a |= l == a;
      has_b |= l == b;
    }
    if (has_a && has_b) return true;
  }
  return false;
}
// - only e^2 times when the text switches to that language in at least two
//   other sentences (it is a likely reading there);
constexpr uint32_t kPresentBias = 20;
constexpr int kPresentSentences = 2;
// - an English term inside a target-language sentence: a run of two or more
//   plain words, each likelier English than the target, together by e^12,
//   less than half the sentence;
constexpr int kTermLead = 120;
// - Latin words inside a sentence of another script count on their own
//   (when English is the likeliest reading, or nearly) in runs of at least
//   three plain words; shorter ones are mostly names and commands.
constexpr int kCrossScriptRun = 3;

// The words of one sentence in one script.
struct Group {
  UScriptCode script = USCRIPT_COMMON;
  int model_script = -1;  // LanguageModel's index of the script, or -1
  int words = 0;
  LanguageModel::Costs costs{};
  // Per word, how much likelier English is than the target (tenths of a
  // nat; INT_MIN for a word that is not plain), when the target is another
  // language of the script; and the costs of the words likelier English.
  std::vector<int> english_lead;
  std::vector<std::array<uint16_t, LanguageModel::kMaxCandidates>> word_costs;
  std::vector<int> term_costs;  // per word, its index in word_costs, or -1
  // Per word, whether it is plain, when the target is not of the script.
  std::vector<bool> plain;
  int term_words = 0;          // words of English terms set aside
  int decided = -1;            // the model's decision, an index of its candidates
  bool english_close = false;  // English is the likeliest reading, or nearly
  const char* language = "und";

  void Reset(UScriptCode sc, int model_sc) {
    script = sc;
    model_script = model_sc;
    words = term_words = 0;
    costs.fill(0);
    english_lead.clear();
    word_costs.clear();
    term_costs.clear();
    plain.clear();
    decided = -1;
    english_close = false;
    language = "und";
  }
};

// The bias the target `t` has against candidate `l` (see kTargetBias).
uint32_t BiasAgainst(const LanguageModel& model, int script, int t, int l) {
  // Per script, the k x k table, built once.
  static const auto* biases = [&model] {
    auto* v = new std::vector<std::vector<uint32_t>>(model.ScriptCount());
    for (int m = 0; m < model.ScriptCount(); ++m) {
      const auto& c = model.Candidates(m);
      for (size_t a = 0; a < c.size(); ++a) {
        for (size_t b = 0; b < c.size(); ++b) {
          (*v)[m].push_back(AreNeighbours(c[a], c[b]) ? kTargetBias : kFarBias);
        }
      }
    }
    return v;
  }();
  return (*biases)[script][t * model.Candidates(script).size() + l];
}

// The target, unless another candidate is likelier by more than the
// target's bias against it: then the likeliest such candidate.
int TargetOrNot(const LanguageModel& model, int script, int t, const LanguageModel::Costs& costs) {
  int decided = t;
  const int k = static_cast<int>(model.Candidates(script).size());
  for (int l = 0; l < k; ++l) {
    if (l == t || costs[l] + BiasAgainst(model, script, t, l) >= costs[t]) continue;
    if (decided == t || costs[l] < costs[decided]) decided = l;
  }
  return decided;
}

// Only plain lower-case words can be an English term in prose: names,
// acronyms and identifiers (Linux, CPU, X11, shell-backward-word) are not.
bool IsPlainWord(const std::string& prose, int32_t start, int32_t end) {
  for (int32_t i = start; i < end; ++i) {
    if (prose[i] < 'a' || prose[i] > 'z') return false;
  }
  auto joiner = [](char c) { return c == '-' || c == '_' || c == '/' || c == '\\' || c == '.' || c == '='; };
  if (start > 0 && joiner(prose[start - 1])) return false;
  const int32_t n = static_cast<int32_t>(prose.size());
  return !(end + 1 < n && joiner(prose[end]) && prose[end + 1] != ' ' && prose[end + 1] != '\n');
}

// Sets aside the English terms of a group (see kTermLead): their words leave
// the group's costs and are counted in term_words.
void MarkEnglishTerms(Group* g) {
  const auto& lead = g->english_lead;
  for (size_t i = 0; i < lead.size();) {
    if (lead[i] <= 0) {
      ++i;
      continue;
    }
    size_t j = i;
    int sum = 0;
    while (j < lead.size() && lead[j] > 0) sum += lead[j++];
    const int n = static_cast<int>(j - i);
    if (n >= 2 && sum >= kTermLead && 2 * (g->term_words + n) < g->words) {
      g->term_words += n;
      for (size_t w = i; w < j; ++w) {
        const auto& own = g->word_costs[g->term_costs[w]];
        for (int l = 0; l < LanguageModel::kMaxCandidates; ++l) g->costs[l] -= own[l];
      }
    }
    i = j;
  }
}

// `text` as UTF-16 for ICU (its break iterators run faster on UTF-16 than
// on UTF-8 through UText), with the byte offset of every UTF-16 index.
struct Utf16 {
  std::vector<UChar> units;
  std::vector<int32_t> byte_at;  // size units.size() + 1
};

void ToUtf16(const std::string& s, Utf16* utf16) {
  Utf16& out = *utf16;
  out.units.clear();
  out.byte_at.clear();
  out.units.reserve(s.size());
  out.byte_at.reserve(s.size() + 1);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) c = 0xFFFD;
    if (c <= 0xFFFF) {
      out.units.push_back(static_cast<UChar>(c));
      out.byte_at.push_back(at);
    } else {
      out.units.push_back(U16_LEAD(c));
      out.units.push_back(U16_TRAIL(c));
      out.byte_at.push_back(at);
      out.byte_at.push_back(at);
    }
  }
  out.byte_at.push_back(n);
}

// Scripts written without spaces: ICU's dictionary-based word segmentation.
bool DictionaryScript(UScriptCode sc) {
  return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA || sc == USCRIPT_THAI ||
         sc == USCRIPT_LAO || sc == USCRIPT_KHMER || sc == USCRIPT_MYANMAR;
}

enum class CharClass { kOther, kLetter, kDigit, kJoin, kMid, kDictionary };

CharClass ClassifySlow(UChar32 c);

// Classes of the code points below kClassTable, computed once (ICU's
// property lookups cost more than the rest of the word loop).
constexpr UChar32 kClassTable = 0x3400;

CharClass ClassifyTable(UChar32 c);

constexpr std::array<CharClass, 128> kAsciiClasses = [] {
  std::array<CharClass, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      t[c] = CharClass::kLetter;
    } else if (c >= '0' && c <= '9') {
      t[c] = CharClass::kDigit;
    } else if (c == '_') {
      t[c] = CharClass::kJoin;
    } else if (c == '\'' || c == '.' || c == ':') {
      t[c] = CharClass::kMid;
    } else {
      t[c] = CharClass::kOther;
    }
  }
  return t;
}();

inline CharClass Classify(UChar32 c) {
  if (c >= 0 && c < 0x80) return kAsciiClasses[c];
  return ClassifyTable(c);
}

CharClass ClassifyTable(UChar32 c) {
  static const auto* table = [] {
    auto* t = new std::array<CharClass, kClassTable>();
    for (UChar32 i = 0; i < kClassTable; ++i) (*t)[i] = ClassifySlow(i);
    return t;
  }();
  if (c >= 0 && c < kClassTable) return (*table)[c];
  return ClassifySlow(c);
}

CharClass ClassifySlow(UChar32 c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return CharClass::kLetter;
    if (c >= '0' && c <= '9') return CharClass::kDigit;
    if (c == '_') return CharClass::kJoin;
    if (c == '\'' || c == '.' || c == ':') return CharClass::kMid;
    return CharClass::kOther;
  }
  if (c == 0x2019 || c == 0x00B7) return CharClass::kMid;  // ’ ·
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode sc = uscript_getScript(c, &status);
  if (DictionaryScript(sc)) return CharClass::kDictionary;
  if (c == 0x30FC) return CharClass::kDictionary;  // ー, the kana prolonged sound mark
  if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(c) & U_GC_M_MASK)) return CharClass::kLetter;
  if (u_isdigit(c)) return CharClass::kDigit;
  return CharClass::kOther;
}

// Calls f(start, end) with the byte range of every counted word of `utf8`
// (whose UTF-16 form is `u16`). Words follow Unicode's word-break rules
// (UAX #29, as ICU implements them): letters, with digits, "_" and
// apostrophes or dots between letters ("l'homme", "e.g", "lib64") joined in;
// runs of Chinese, Japanese, Thai, Lao, Khmer and Myanmar are handed to ICU's
// dictionary-based word iterator. Spaced scripts are tokenised here in one
// pass, which is several times faster than ICU's rule engine on them.
template <typename F>
void ForEachWord(const std::string& utf8, const Utf16& u16, F f) {
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t n = static_cast<int32_t>(utf8.size());
  int32_t i = 0, unit = 0;      // byte and UTF-16 positions
  int32_t word_start = -1;      // byte offset of the open word, or -1
  bool word_has_letter = false;
  int32_t pending_mid = -1;     // a joiner seen after the open word
  auto close_word = [&](int32_t end) {
    if (word_start >= 0 && word_has_letter) f(word_start, end);
    word_start = -1;
    word_has_letter = false;
    pending_mid = -1;
  };
  while (i < n) {
    int32_t at = i, at_unit = unit;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    unit += c > 0xFFFF ? 2 : 1;
    CharClass cls = c < 0 ? CharClass::kOther : Classify(c);
    if (cls == CharClass::kDictionary) {
      close_word(pending_mid >= 0 ? pending_mid : at);
      // The whole run of dictionary-script characters goes to ICU.
      int32_t run_end = i, run_unit_end = unit;
      while (run_end < n) {
        int32_t k = run_end;
        UChar32 d;
        U8_NEXT(p, k, n, d);
        if (d < 0 || Classify(d) != CharClass::kDictionary) break;
        run_unit_end += d > 0xFFFF ? 2 : 1;
        run_end = k;
      }
      UBreakIterator* wb = ThreadIterator(UBRK_WORD);
      UErrorCode status = U_ZERO_ERROR;
      if (wb != nullptr) ubrk_setText(wb, u16.units.data() + at_unit, run_unit_end - at_unit, &status);
      if (wb != nullptr && U_SUCCESS(status)) {
        int32_t s = ubrk_first(wb);
        for (int32_t e = ubrk_next(wb); e != UBRK_DONE; s = e, e = ubrk_next(wb)) {
          if (IsCountedWord(ubrk_getRuleStatus(wb))) f(u16.byte_at[at_unit + s], u16.byte_at[at_unit + e]);
        }
      }
      i = run_end;
      unit = run_unit_end;
      continue;
    }
    switch (cls) {
      case CharClass::kLetter:
      case CharClass::kDigit:
      case CharClass::kJoin:
        if (word_start < 0) word_start = at;
        word_has_letter |= cls == CharClass::kLetter;
        pending_mid = -1;
        // The rest of a run of ASCII letters at once (most of the text).
        while (i < n && p[i] < 0x80 && kAsciiClasses[p[i]] == CharClass::kLetter) {
          ++i;
          ++unit;
          word_has_letter = true;
        }
        break;
      case CharClass::kMid:
        // Joins only letter-or-digit to letter-or-digit: "don't", "3.5".
        if (word_start >= 0 && pending_mid < 0) {
          pending_mid = at;
        } else {
          close_word(pending_mid >= 0 ? pending_mid : at);
        }
        break;
      default:
        close_word(pending_mid >= 0 ? pending_mid : at);
        break;
    }
  }
  close_word(pending_mid >= 0 ? pending_mid : n);
}

}  // namespace

std::string StripNonProse(absl::string_view text) {
  std::string s;
  StripNonProse(text, &s);
  return s;
}

namespace {

void StripNonProse(absl::string_view text, std::string* out) {
  std::string& s = *out;
  s.assign(text.data(), text.size());
  BlankSpans(&s, "```", "```", /*need_close=*/false);
  BlankSpans(&s, "`", "`", true);
  BlankSpans(&s, "$$", "$$", true);
  BlankSpans(&s, "\\[", "\\]", true);
  BlankSpans(&s, "\\(", "\\)", true);
  // \begin{env} … \end{env}, the closing brace included.
  for (size_t pos = 0; (pos = s.find("\\begin{", pos)) != std::string::npos;) {
    size_t end = s.find("\\end{", pos);
    if (end == std::string::npos) break;
    size_t close = s.find('}', end);
    end = close == std::string::npos ? s.size() : close + 1;
    BlankKeepingProse(&s, pos, end);
    pos = end;
  }
  BlankSpans(&s, "$", "$", true);
  // Tags such as <think>, </answer>: markup, not words.
  for (size_t pos = 0; (pos = s.find('<', pos)) != std::string::npos; ++pos) {
    size_t j = pos + 1;
    if (j < s.size() && s[j] == '/') ++j;
    size_t name = j;
    while (j < s.size() && (absl::ascii_isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
    if (j > name && j < s.size() && s[j] == '>') {
      Blank(&s, pos, j + 1);
      // A tag ends a sentence the way a line break does.
      s[pos] = '\n';
    }
  }
  // Remaining LaTeX commands: \frac, \alpha, \end{...}.
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    size_t j = i + 1;
    while (j < s.size() && absl::ascii_isalpha(static_cast<unsigned char>(s[j]))) ++j;
    Blank(&s, i, j);
    i = j - 1 < i ? i : j - 1;
  }
  BlankBareFormulas(&s);
}

}  // namespace

std::string PrimaryLanguage(absl::string_view tag) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(tag));
  size_t sep = t.find_first_of("-_");
  if (sep != std::string::npos) t.resize(sep);
  static const std::map<std::string, std::string>* kAliases = new std::map<std::string, std::string>{
      {"iw", "he"}, {"in", "id"}, {"ji", "yi"}, {"jw", "jv"}, {"mo", "ro"}, {"nb", "no"}, {"nn", "no"},
      {"fil", "tl"}, {"cmn", "zh"},
  };
  auto it = kAliases->find(t);
  return it != kAliases->end() ? it->second : t;
}

const std::vector<std::string>& SupportedLanguages() {
  static const auto* languages = [] {
    auto* v = new std::vector<std::string>(LanguageModel::Get().ProfileLanguages());
    for (int sc = 0; sc < USCRIPT_CODE_LIMIT; ++sc) {
      if (const char* lang = ScriptLanguage(static_cast<UScriptCode>(sc))) v->push_back(lang);
    }
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
    return v;
  }();
  return *languages;
}

namespace {

bool IsSupported(const std::string& language) {
  const auto& v = SupportedLanguages();
  return std::binary_search(v.begin(), v.end(), language);
}

// Why `tag` cannot be a target language, or "" when it can.
std::string TargetProblem(absl::string_view tag) {
  std::string primary = PrimaryLanguage(tag);
  bool well_formed = primary.size() >= 2 && primary.size() <= 3 &&
                     std::all_of(primary.begin(), primary.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  // The rest of the tag: subtags of 1-8 letters or digits.
  std::string t(absl::StripAsciiWhitespace(tag));
  for (absl::string_view sub : absl::StrSplit(t, absl::ByAnyChar("-_"))) {
    well_formed &= !sub.empty() && sub.size() <= 8 &&
                   std::all_of(sub.begin(), sub.end(), [](char c) { return absl::ascii_isalnum(c); });
  }
  // The client's bytes, as valid UTF-8 and short.
  const std::string quoted = absl::StrCat("\"", CleanUtf8(tag, 40, "…"), "\"");
  if (!well_formed) return absl::StrCat(quoted, " is not a BCP-47 language tag (en, zh-Hant, pt-BR)");
  if (!IsSupported(primary)) {
    return absl::StrCat(quoted, " is not a language the model identifies (supported: ",
                        absl::StrJoin(SupportedLanguages(), " "), ")");
  }
  return "";
}

}  // namespace

int CountWords(absl::string_view text) {
  const std::string stripped = StripNonProse(text);
  Utf16 prose;
  ToUtf16(stripped, &prose);
  int n = 0;
  ForEachWord(stripped, prose, [&](int32_t, int32_t) { ++n; });
  return n;
}

LanguageAnalysis AnalyzeLanguages(absl::string_view text) { return AnalyzeLanguages(text, ""); }

LanguageAnalysis AnalyzeLanguages(absl::string_view text, absl::string_view target) {
  LanguageAnalysis out;
  // Buffers kept per thread: this runs for every completion.
  struct Scratch {
    std::string prose;
    Utf16 utf16;
    std::vector<int32_t> bounds;     // sentence starts, as byte offsets
    std::vector<Group> groups;       // of all sentences, in order
    size_t used = 0;                 // groups in use
    std::vector<size_t> first;       // per sentence, its first group
    struct Word {
      int32_t start, end;
      uint32_t group;
      uint64_t hash;
    };
    std::vector<Word> words;         // words of modelled scripts, in order
  };
  thread_local Scratch scratch;
  Scratch& sc = scratch;
  StripNonProse(text, &sc.prose);
  ToUtf16(sc.prose, &sc.utf16);
  const std::string& prose = sc.prose;
  UBreakIterator* sb = ThreadIterator(UBRK_SENTENCE);
  if (sb == nullptr || sc.utf16.units.empty()) return out;
  const LanguageModel& model = LanguageModel::Get();
  const std::string target_language = target.empty() ? std::string() : PrimaryLanguage(target);

  sc.bounds.clear();
  {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(sb, sc.utf16.units.data(), static_cast<int32_t>(sc.utf16.units.size()), &status);
    if (U_FAILURE(status)) return out;
    for (int32_t b = ubrk_first(sb); b != UBRK_DONE; b = ubrk_next(sb)) sc.bounds.push_back(sc.utf16.byte_at[b]);
  }
  const size_t sentences = sc.bounds.size();

  // The target's and English's index per modelled script (or -1).
  constexpr int kScripts = 8;
  int target_index[kScripts], english_index[kScripts];
  for (int m = 0; m < kScripts; ++m) {
    target_index[m] = english_index[m] = -1;
    if (m < model.ScriptCount()) {
      if (!target_language.empty()) target_index[m] = model.IndexOf(m, target_language);
      english_index[m] = model.IndexOf(m, "en");
    }
  }

  // Words, grouped per sentence and script, with the model's costs.
  sc.used = 0;
  sc.first.assign(sentences + 1, 0);
  size_t sentence = 0;
  sc.words.clear();
  ForEachWord(prose, sc.utf16, [&](int32_t start, int32_t end) {
    while (sentence + 1 < sentences && start >= sc.bounds[sentence + 1]) sc.first[++sentence] = sc.used;
    absl::string_view word(prose.data() + start, end - start);
    UScriptCode script = WordScript(word);
    if (script == USCRIPT_HIRAGANA) script = USCRIPT_KATAKANA;  // one kana group
    size_t g = sc.used;
    for (size_t i = sc.first[sentence]; i < sc.used; ++i) {
      if (sc.groups[i].script == script) g = i;
    }
    if (g == sc.used) {
      if (sc.used == sc.groups.size()) sc.groups.emplace_back();
      sc.groups[sc.used++].Reset(script, model.ScriptIndex(script));
    }
    ++sc.groups[g].words;
    if (sc.groups[g].model_script >= 0) {
      sc.words.push_back({start, end, static_cast<uint32_t>(g), LanguageModel::WordHash(word)});
    }
  });
  // The model's costs, each word's cache entry fetched a few words ahead.
  constexpr size_t kAhead = 4;
  const size_t n = sc.words.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      model.Prefetch(sc.groups[sc.words[i + kAhead].group].model_script, sc.words[i + kAhead].hash);
    }
    const Scratch::Word& w = sc.words[i];
    Group* g = &sc.groups[w.group];
    absl::string_view word(prose.data() + w.start, w.end - w.start);
    const uint16_t* own = model.AddWordCosts(g->model_script, word, w.hash, &g->costs);
    const int t = target_index[g->model_script], en = english_index[g->model_script];
    const bool plain = IsPlainWord(prose, w.start, w.end);
    if (t >= 0 && en >= 0 && t != en) {
      const int lead = plain ? static_cast<int>(own[t]) - own[en] : std::numeric_limits<int>::min();
      g->english_lead.push_back(lead);
      // Only a word likelier English can be part of a term: its costs are kept.
      g->term_costs.push_back(lead > 0 ? static_cast<int>(g->word_costs.size()) : -1);
      if (lead > 0) {
        g->word_costs.emplace_back();
        std::copy(own, own + model.Candidates(g->model_script).size(), g->word_costs.back().begin());
      }
    } else if (t < 0) {
      g->plain.push_back(plain);
    }
  }
  while (sentence + 1 <= sentences) sc.first[++sentence] = sc.used;

  // Each group's language: the script's, or the model's answer to "the
  // target or not?", or, without a target, the model's likeliest.
  // present[m][l]: sentences of modelled script m decided for l, not the target.
  std::vector<std::array<int, LanguageModel::kMaxCandidates>> present(model.ScriptCount());
  for (auto& p : present) p.fill(0);
  auto leaning = present;
  std::vector<int> modelled(model.ScriptCount(), 0);
  for (size_t s = 0; s < sentences; ++s) {
    bool has_kana = false;
    for (size_t i = sc.first[s]; i < sc.first[s + 1]; ++i) has_kana |= sc.groups[i].script == USCRIPT_KATAKANA;
    for (size_t i = sc.first[s]; i < sc.first[s + 1]; ++i) {
      Group& g = sc.groups[i];
      if (g.script == USCRIPT_HAN) {
        g.language = has_kana ? "ja" : "zh";
        continue;
      }
      if (const char* lang = ScriptLanguage(g.script)) {
        g.language = lang;
        continue;
      }
      if (g.model_script < 0) continue;  // "und"
      const int t = target_index[g.model_script];
      const int best = model.Best(g.model_script, g.costs);
      int decided = t >= 0 ? TargetOrNot(model, g.model_script, t, g.costs) : best;
      if (!g.english_lead.empty()) {
        // English terms are set aside; a sentence they made look foreign
        // is the target's if, without them, the target is the likeliest.
        const LanguageModel::Costs all = g.costs;
        MarkEnglishTerms(&g);
        if (decided != t) {
          if (g.term_words > 0 && model.Best(g.model_script, g.costs) == t) {
            decided = t;
          } else {
            g.term_words = 0;
            g.costs = all;
          }
        }
      }
      g.decided = decided;
      if (t >= 0) {
        ++modelled[g.model_script];
        if (decided != t) {
          ++present[g.model_script][decided];
        } else {
          // A sentence that leans to another language counts for it too.
          const int lean = model.Best(g.model_script, g.costs);
          if (lean != t && g.costs[lean] + kPresentBias < g.costs[t]) ++leaning[g.model_script][lean];
        }
      }
      g.language = model.Candidates(g.model_script)[decided].c_str();
      const int en = english_index[g.model_script];
      g.english_close = en >= 0 && g.costs[en] <= g.costs[best] + kTargetBias;
      if (t < 0 && g.english_close) g.language = "en";
    }
  }
  // A sentence leaning to a language the text switches to elsewhere is
  // that language's unless the target leads by kPresentBias.
  for (size_t i = 0; i < sc.used; ++i) {
    Group& g = sc.groups[i];
    if (g.model_script < 0) continue;
    const int t = target_index[g.model_script];
    if (t < 0 || g.decided != t) continue;
    int other = -1;
    const int k = static_cast<int>(model.Candidates(g.model_script).size());
    for (int l = 0; l < k; ++l) {
      const int m = g.model_script;
      const bool switches = present[m][l] >= kPresentSentences ||
                            (present[m][l] + leaning[m][l] >= kPresentSentences &&
                             2 * (present[m][l] + leaning[m][l]) >= modelled[m]);
      if (l == t || !switches) continue;
      if (g.costs[l] + kPresentBias < g.costs[t] && (other < 0 || g.costs[l] < g.costs[other])) other = l;
    }
    if (other >= 0) {
      g.decided = other;
      g.language = model.Candidates(g.model_script)[other].c_str();
      g.term_words = 0;
    }
  }

  // All words of a sentence count for its language, that of its largest
  // script group (a Russian sentence naming a "socket" is Russian), except
  // English terms: those set aside above, and runs of plain Latin words in
  // a sentence of another script.
  std::map<std::string, int> counts;
  for (size_t s = 0; s < sentences; ++s) {
    const Group* main = nullptr;
    int words = 0;
    for (size_t i = sc.first[s]; i < sc.first[s + 1]; ++i) {
      const Group& g = sc.groups[i];
      words += g.words;
      if (main == nullptr || g.words > main->words) main = &g;
    }
    if (main == nullptr) continue;
    out.words += words;
    if (main->term_words > 0) {
      counts["en"] += main->term_words;
      words -= main->term_words;
    }
    for (size_t i = sc.first[s]; i < sc.first[s + 1]; ++i) {
      const Group& g = sc.groups[i];
      if (&g == main || !g.english_close || g.plain.empty()) continue;
      int run = 0, terms = 0;
      for (size_t w = 0; w <= g.plain.size(); ++w) {
        if (w < g.plain.size() && g.plain[w]) {
          ++run;
          continue;
        }
        if (run >= kCrossScriptRun) terms += run;
        run = 0;
      }
      if (terms > 0) {
        counts[g.language] += terms;
        words -= terms;
      }
    }
    counts[main->language] += words;
  }
  for (const auto& [lang, n] : counts) {
    if (n > 0) out.languages.push_back({lang, n});
  }
  std::stable_sort(out.languages.begin(), out.languages.end(),
                   [](const LanguageCount& a, const LanguageCount& b) { return a.words > b.words; });
  return out;
}

namespace {

// The part of the completion the reward looks at; the reasoning ("think")
// is ReasoningRegion's (reasoning moved out of <think>, giving up the format
// reward, still counts).
std::string Region(absl::string_view completion, const std::string& region) {
  if (region == "all") return std::string(completion);
  if (region == "answer") return std::string(FirstAnswer(completion).value_or(absl::string_view()));
  const ReasoningParts parts = ReasoningRegion(completion);
  return parts.after.empty() ? std::string(parts.before) : absl::StrCat(parts.before, "\n", parts.after);
}

std::string Shares(const LanguageAnalysis& a) {
  std::vector<std::string> parts;
  for (const LanguageCount& l : a.languages) {
    if (parts.size() == 4) {
      parts.push_back("…");
      break;
    }
    parts.push_back(absl::StrFormat("%s %.2f", l.language, static_cast<double>(l.words) / a.words));
  }
  return absl::StrJoin(parts, ", ");
}

class LanguageVerifier : public Verifier {
 public:
  LanguageVerifier(std::string target, std::string region, bool binary, double threshold)
      : target_(std::move(target)), region_(std::move(region)), binary_(binary), threshold_(threshold) {}

  // A group's target must be one the model identifies: reference.targetLanguage,
  // else the `target` parameter (checked when the verifier is built), else
  // the prompt's language.
  absl::Status CheckGroup(const reward::v1::Reference& ref, absl::string_view prompt) const override {
    if (!ref.target_language().empty()) {
      std::string problem = TargetProblem(ref.target_language());
      if (!problem.empty()) return absl::InvalidArgumentError(absl::StrCat("targetLanguage: ", problem));
      return absl::OkStatus();
    }
    if (target_ != "prompt") return absl::OkStatus();
    LanguageAnalysis p = AnalyzeLanguages(prompt);
    if (p.languages.empty() || !IsSupported(p.languages[0].language)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "targetLanguage: ", ref.has_target_language() ? "empty" : "missing",
          ", and no language identified in the prompt (set targetLanguage, or the parameter 'target')"));
    }
    return absl::OkStatus();
  }

  Verdict Score(const SampleInput& in) const override {
    std::string target;
    std::string source;
    if (in.reference != nullptr && !in.reference->target_language().empty()) {
      target = PrimaryLanguage(in.reference->target_language());
      source = "reference";
    } else if (target_ != "prompt") {
      target = PrimaryLanguage(target_);
      source = "parameter";
    } else {
      LanguageAnalysis p = AnalyzeLanguages(in.prompt);
      if (p.languages.empty() || !IsSupported(p.languages[0].language)) {
        return Verdict::Error("NO_TARGET", "no target language: none given and none detected in the prompt");
      }
      target = p.languages[0].language;
      source = "prompt";
    }
    const std::string region = Region(in.completion, region_);
    LanguageAnalysis a = AnalyzeLanguages(region, target);
    if (a.words == 0) return Verdict::Ok(1, absl::StrCat("no words to count in ", region_, " (target ", target, ")"));
    int hits = 0;
    for (const LanguageCount& l : a.languages) {
      if (l.language == target) hits = l.words;
    }
    double share = static_cast<double>(hits) / a.words;
    std::string reason = absl::StrFormat("target %s (%s): %s of %d words", target, source, Shares(a), a.words);
    if (binary_) return Verdict::Ok(share >= threshold_ ? 1 : 0, reason);
    return Verdict::Ok(share, reason);
  }

 private:
  std::string target_;
  std::string region_;
  bool binary_;
  double threshold_;
};

class LanguageVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return "language"; }
  std::string Description() const override {
    return absl::StrCat(
        "Language consistency (ICU sentences and words; an n-gram model over langdetect's profiles asks, per "
        "sentence, target or not): the share of words in the target language (reference.targetLanguage, else "
        "`target`) within the reasoning. Languages: ",
        absl::StrJoin(SupportedLanguages(), " "), ".");
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::String("target", "prompt",
                          "BCP-47 tag of the target language when the reference has none (one of the "
                          "supported languages); \"prompt\" = the language identified in the group's prompt."),
        ParamSpec::Enum("region", {"think", "answer", "all"}, "think",
                        "Which text counts: the reasoning (all but the <answer> block: the <think> content "
                        "and any text beside it), the <answer> content, or all of it."),
        ParamSpec::Enum("mode", {"fraction", "binary"}, "fraction",
                        "fraction: the share itself; binary: 1 when the share reaches `threshold`, else 0."),
        ParamSpec::Number("threshold", 0.95, 0, 1, "The share needed for 1 in binary mode."),
    };
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Seconds(1); }

  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    // The model loads here (about 0.1 s, once), on the request's thread,
    // never inside a call's time budget.
    LanguageModel::Get();
    const std::string& target = p.GetString("target");
    if (target != "prompt") {
      std::string problem = TargetProblem(target);
      if (!problem.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter 'target' must be a BCP-47 language tag the model identifies, or \"prompt\": ",
                         problem));
      }
    }
    return std::make_unique<LanguageVerifier>(target, p.GetString("region"), p.GetString("mode") == "binary",
                                              p.GetNumber("threshold"));
  }
};

REGISTER_VERIFIER(LanguageVerifierFactory);

}  // namespace
}  // namespace rewards
