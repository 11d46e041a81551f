#include "rewards/language_verifier.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <array>
#include <map>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rewards/language_model.h"
#include "rewards/format_verifier.h"
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

// Blanks every span from `open` to the next `close` (inclusive); an unclosed
// `open` is left alone when `need_close`, else blanked to the end.
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
    Blank(s, pos, end);
    pos = end;
  }
}

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

// How much likelier (in nats) another language must be than the target for
// a group of words not to count as the target.
double TargetBias() {
  static const double bias = std::getenv("LANGUAGE_TARGET_BIAS") ? std::atof(std::getenv("LANGUAGE_TARGET_BIAS")) : 3.0;
  return bias;
}

// An English term inside a target-language sentence: each word's lead (in
// tenths of a nat) over the target above kTermWordLead, the run's above kTermLead.
const int kTermWordLead = std::getenv("LANGUAGE_TERM_WORD") ? std::atoi(std::getenv("LANGUAGE_TERM_WORD")) : 10;
const int kTermLead = std::getenv("LANGUAGE_TERM_RUN") ? std::atoi(std::getenv("LANGUAGE_TERM_RUN")) : 80;

const int kTermSingleLead = std::getenv("LANGUAGE_TERM_ONE") ? std::atoi(std::getenv("LANGUAGE_TERM_ONE")) : 150;

// The words of one sentence in one script.
struct Group {
  UScriptCode script;
  int model_script = -1;  // LanguageModel's index of the script, or -1
  int words = 0;
  LanguageModel::Costs costs{};
  // Per word, how much likelier English is than the target (tenths of a
  // nat), when the target is another language of the script.
  std::vector<int> english_lead;
  // Per word, whether it is plain lower-case ASCII, when the target is not
  // a language of the script.
  std::vector<bool> plain;
  std::string language;
};
// `text` as UTF-16 for ICU (its break iterators run faster on UTF-16 than
// on UTF-8 through UText), with the byte offset of every UTF-16 index.
struct Utf16 {
  std::vector<UChar> units;
  std::vector<int32_t> byte_at;  // size units.size() + 1
};

Utf16 ToUtf16(const std::string& s) {
  Utf16 out;
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
  return out;
}

// Scripts written without spaces: ICU's dictionary-based word segmentation.
bool DictionaryScript(UScriptCode sc) {
  return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA || sc == USCRIPT_THAI ||
         sc == USCRIPT_LAO || sc == USCRIPT_KHMER || sc == USCRIPT_MYANMAR;
}

enum class CharClass { kOther, kLetter, kDigit, kJoin, kMid, kDictionary };

CharClass Classify(UChar32 c) {
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
  std::string s(text);
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
    Blank(&s, pos, end);
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
  return s;
}

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
  if (!well_formed) return absl::StrCat("\"", tag, "\" is not a BCP-47 language tag (en, zh-Hant, pt-BR)");
  if (!IsSupported(primary)) {
    return absl::StrCat("\"", tag, "\" is not a language the model identifies (supported: ",
                        absl::StrJoin(SupportedLanguages(), " "), ")");
  }
  return "";
}

int CountWords(absl::string_view text) {
  const std::string stripped = StripNonProse(text);
  Utf16 prose = ToUtf16(stripped);
  int n = 0;
  ForEachWord(stripped, prose, [&](int32_t, int32_t) { ++n; });
  return n;
}

LanguageAnalysis AnalyzeLanguages(absl::string_view text) { return AnalyzeLanguages(text, ""); }

LanguageAnalysis AnalyzeLanguages(absl::string_view text, absl::string_view target) {
  LanguageAnalysis out;
  const std::string prose = StripNonProse(text);
  const Utf16 utf16 = ToUtf16(prose);
  UBreakIterator* sb = ThreadIterator(UBRK_SENTENCE);
  if (sb == nullptr || utf16.units.empty()) return out;
  const LanguageModel& model = LanguageModel::Get();
  const std::string target_language = target.empty() ? std::string() : PrimaryLanguage(target);

  // Sentence boundaries, as byte offsets.
  std::vector<int32_t> bounds;
  {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(sb, utf16.units.data(), static_cast<int32_t>(utf16.units.size()), &status);
    if (U_FAILURE(status)) return out;
    for (int32_t b = ubrk_first(sb); b != UBRK_DONE; b = ubrk_next(sb)) bounds.push_back(utf16.byte_at[b]);
  }

  // The target's and English's index per modelled script (or -1).
  int target_index[8], english_index[8];
  for (int sc = 0; sc < 8; ++sc) {
    target_index[sc] = english_index[sc] = -1;
    if (sc < model.ScriptCount()) {
      if (!target_language.empty()) target_index[sc] = model.IndexOf(sc, target_language);
      english_index[sc] = model.IndexOf(sc, "en");
    }
  }

  // Words, grouped per sentence and script; the model's costs per group.
  std::vector<std::vector<Group>> sentences(bounds.size());
  size_t sentence = 0;
  ForEachWord(prose, utf16, [&](int32_t start, int32_t end) {
    while (sentence + 1 < bounds.size() && start >= bounds[sentence + 1]) ++sentence;
    absl::string_view word(prose.data() + start, end - start);
    UScriptCode sc = WordScript(word);
    if (sc == USCRIPT_HIRAGANA) sc = USCRIPT_KATAKANA;  // one kana group
    auto& groups = sentences[sentence];
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.script == sc; });
    if (g == groups.end()) {
      groups.push_back(Group{sc, model.ScriptIndex(sc)});
      g = groups.end() - 1;
    }
    ++g->words;
    if (g->model_script >= 0) {
      const uint16_t* own = model.AddWordCosts(g->model_script, word, &g->costs);
      const int t = target_index[g->model_script], en = english_index[g->model_script];
      // Only plain lower-case words can be an English term in prose: names,
      // acronyms and identifiers (Linux, CPU, X11) are not.
      auto joiner = [](char c) { return c == '-' || c == '_' || c == '/' || c == '\\' || c == '.' || c == '='; };
      const bool plain =
          std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; }) &&
          !(start > 0 && joiner(prose[start - 1])) &&
          !(end + 1 < static_cast<int32_t>(prose.size()) && joiner(prose[end]) && prose[end + 1] != ' ' &&
            prose[end + 1] != '\n');
      if (t >= 0 && en >= 0 && t != en) {
        g->english_lead.push_back(plain ? static_cast<int>(own[t]) - own[en] : std::numeric_limits<int>::min());
      }
      if (t < 0) g->plain.push_back(plain);
    }
  });

  // Each group's language: the script's, or the model's answer to "the
  // target or not?" (the target wins unless another language is clearly
  // likelier), or, without a target, the model's likeliest.
  for (auto& groups : sentences) {
    bool has_kana = std::any_of(groups.begin(), groups.end(),
                                [](const Group& g) { return g.script == USCRIPT_KATAKANA; });
    for (Group& g : groups) {
      if (g.script == USCRIPT_HAN) {
        g.language = has_kana ? "ja" : "zh";
      } else if (const char* lang = ScriptLanguage(g.script)) {
        g.language = lang;
      } else if (g.model_script >= 0) {
        const int best = model.Best(g.model_script, g.costs);
        const int t = target_language.empty() ? -1 : model.IndexOf(g.model_script, target_language);
        int decided = best;
        if (t >= 0 && t != best &&
            g.costs[t] <= g.costs[best] + static_cast<uint32_t>(TargetBias() * LanguageModel::kCostsPerNat)) {
          decided = t;
        }
        g.language = model.Candidates(g.model_script)[decided];
      } else {
        g.language = "und";
      }
    }
  }

  // All words of a sentence count for its language: that of its largest
  // script group (a Russian sentence naming a "socket" is Russian).
  std::map<std::string, int> counts;
  for (const auto& groups : sentences) {
    const Group* main = nullptr;
    int words = 0;
    for (const Group& g : groups) {
      words += g.words;
      if (main == nullptr || g.words > main->words) main = &g;
    }
    if (main == nullptr) continue;
    // English terms inside a target-language sentence ("on utilise le
    // machine learning") count as English: runs of words each likelier
    // English, together clearly so.
    if (main->language == target_language && !main->english_lead.empty()) {
      const auto& lead = main->english_lead;
      for (size_t i = 0; i < lead.size();) {
        if (lead[i] <= kTermWordLead) {
          ++i;
          continue;
        }
        size_t j = i;
        int sum = 0;
        while (j < lead.size() && lead[j] > kTermWordLead) sum += lead[j++];
        if (sum >= (j - i == 1 ? kTermSingleLead : kTermLead) && static_cast<int>(j - i) < main->words) {
          counts["en"] += static_cast<int>(j - i);
          words -= static_cast<int>(j - i);
          out.words += static_cast<int>(j - i);
        }
        i = j;
      }
    }
    // English phrases inside a sentence of another script ("我们用 dynamic
    // programming 求解") count as English: runs of two or more plain words.
    for (const Group& g : groups) {
      if (&g == main || g.language != "en") continue;
      int run = 0, english = 0;
      for (size_t i = 0; i <= g.plain.size(); ++i) {
        if (i < g.plain.size() && g.plain[i]) {
          ++run;
          continue;
        }
        if (run >= 2) english += run;
        run = 0;
      }
      if (english > 0) {
        counts["en"] += english;
        words -= english;
        out.words += english;
      }
    }
    if (std::getenv("LANGUAGE_DEBUG")) {
      size_t si = &groups - &sentences[0];
      size_t e = si + 1 < bounds.size() ? bounds[si + 1] : prose.size();
      std::string costs;
      if (main->model_script >= 0) {
        const auto& c = model.Candidates(main->model_script);
        std::vector<std::pair<uint32_t, std::string>> v;
        for (size_t l = 0; l < c.size(); ++l) v.push_back({main->costs[l], c[l]});
        std::sort(v.begin(), v.end());
        for (int q = 0; q < 4; ++q) absl::StrAppend(&costs, v[q].second, ":", v[q].first, " ");
      }
      for (int x : main->english_lead) absl::StrAppend(&costs, x, ",");
      std::fprintf(stderr, "  [%s %d] %s| %s\n", main->language.c_str(), words, costs.c_str(),
                   std::string(prose.substr(bounds[si], e - bounds[si])).c_str());
    }
    counts[main->language] += words;
    out.words += words;
  }
  for (const auto& [lang, n] : counts) out.languages.push_back({lang, n});
  std::stable_sort(out.languages.begin(), out.languages.end(),
                   [](const LanguageCount& a, const LanguageCount& b) { return a.words > b.words; });
  return out;
}

namespace {

// The part of the completion the reward looks at.
absl::string_view Region(absl::string_view completion, const std::string& region, bool prefilled) {
  if (region == "all") return completion;
  absl::string_view open = region == "answer" ? "<answer>" : "<think>";
  absl::string_view close = region == "answer" ? "</answer>" : "</think>";
  size_t start = completion.find(open);
  if (start == absl::string_view::npos) {
    // A prompt that pre-fills <think> leaves the reasoning at the start.
    if (region == "think" && prefilled) {
      size_t end = completion.find(close);
      return completion.substr(0, end);
    }
    return region == "think" ? completion : absl::string_view();
  }
  start += open.size();
  size_t end = completion.find(close, start);
  return completion.substr(start, end == absl::string_view::npos ? absl::string_view::npos : end - start);
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

  absl::Status CheckReference(const reward::v1::Reference& ref) const override {
    if (!ref.has_target_language()) return absl::OkStatus();
    std::string problem = TargetProblem(ref.target_language());
    if (!problem.empty()) return absl::InvalidArgumentError(absl::StrCat("targetLanguage: ", problem));
    return absl::OkStatus();
  }

  Verdict Score(const SampleInput& in) const override {
    std::string target;
    std::string source;
    if (in.reference != nullptr && in.reference->has_target_language()) {
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
    absl::string_view region = Region(in.completion, region_, PromptPrefillsThink(in.prompt));
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
        "Language consistency (ICU sentences and words, n-gram model over langdetect's profiles): the share of "
        "words in the target language (reference.targetLanguage, else `target`) within the reasoning. "
        "Languages: ",
        absl::StrJoin(SupportedLanguages(), " "), ".");
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::String("target", "prompt",
                          "BCP-47 tag of the target language when the reference has none; \"prompt\" = the "
                          "language detected in the group's prompt."),
        ParamSpec::Enum("region", {"think", "answer", "all"}, "think",
                        "Which text counts: the <think> content (the whole completion when there is no "
                        "tag), the <answer> content, or all of it."),
        ParamSpec::Enum("mode", {"fraction", "binary"}, "fraction",
                        "fraction: the share itself; binary: 1 when the share reaches `threshold`, else 0."),
        ParamSpec::Number("threshold", 0.95, 0, 1, "The share needed for 1 in binary mode."),
    };
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Seconds(1); }

  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    const std::string& target = p.GetString("target");
    if (target != "prompt") {
      std::string problem = TargetProblem(target);
      if (!problem.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter 'target' must be a supported language tag or \"prompt\": ", problem));
      }
    }
    return std::make_unique<LanguageVerifier>(target, p.GetString("region"), p.GetString("mode") == "binary",
                                              p.GetNumber("threshold"));
  }
};

REGISTER_VERIFIER(LanguageVerifierFactory);

}  // namespace
}  // namespace rewards
