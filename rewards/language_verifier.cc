#include "rewards/language_verifier.h"

#include <cstdio>  // before CLD2, whose header uses FILE without it

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cld2/public/compact_lang_det.h"
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

// Scripts shared by several languages: CLD2 decides.
bool NeedsDetection(UScriptCode sc) {
  return sc == USCRIPT_LATIN || sc == USCRIPT_CYRILLIC || sc == USCRIPT_ARABIC || sc == USCRIPT_DEVANAGARI;
}

struct Detection {
  std::string language;  // "" when CLD2 does not know
  bool reliable = false;
};

Detection DetectWithCld2(const std::string& text) {
  CLD2::Language language3[3];
  int percent3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::Language lang = CLD2::ExtDetectLanguageSummary(text.data(), static_cast<int>(text.size()), true,
                                                       language3, percent3, &text_bytes, &reliable);
  Detection d;
  if (lang == CLD2::UNKNOWN_LANGUAGE) return d;
  d.language = PrimaryLanguage(CLD2::LanguageCode(lang));
  d.reliable = reliable;
  return d;
}

// CLD2 misreads short sentences ("Calculamos el total de manzanas." -> en,
// reliably). Function words settle those: a vote over a few dozen of the
// commonest words of each major Latin-script language (written here).
const std::vector<std::pair<const char*, std::vector<absl::string_view>>>& FunctionWords() {
  static const auto* lists = new std::vector<std::pair<const char*, std::vector<absl::string_view>>>{
      {"en", {"the", "and", "of", "to", "is", "that", "it", "we", "then", "this", "for", "are", "with", "so",
              "be", "by", "on", "have", "not", "what", "let", "us", "first", "now", "which", "there", "was",
              "if", "each", "can", "all", "from", "our", "they", "will", "into", "than", "but", "an", "has"}},
      {"es", {"el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "es", "por", "para", "con",
              "se", "lo", "al", "como", "pero", "más", "hay", "luego", "entonces", "primero", "tenemos", "son",
              "su", "este", "esta", "cada", "también", "si", "ahora", "cuántos", "cuántas", "porque", "le"}},
      {"fr", {"le", "la", "les", "des", "du", "et", "est", "une", "un", "que", "qui", "dans", "pour", "nous",
              "avec", "sur", "pas", "ce", "cette", "sont", "donc", "ensuite", "puis", "il", "elle", "au", "aux",
              "par", "plus", "mais", "on", "de", "en", "ne", "se", "avons", "ces", "leur", "chaque"}},
      {"de", {"der", "die", "das", "und", "ist", "ein", "eine", "zu", "den", "dem", "nicht", "mit", "von", "wir",
              "sich", "auf", "für", "dann", "also", "es", "im", "auch", "sind", "zuerst", "wird", "oder", "aber",
              "dass", "noch", "haben", "jetzt", "jeder", "jede", "des", "einen", "nach", "wie", "bei"}},
      {"it", {"il", "lo", "la", "gli", "le", "di", "che", "è", "e", "un", "una", "per", "non", "con", "sono",
              "del", "della", "poi", "quindi", "abbiamo", "questo", "questa", "prima", "anche", "nel", "alla",
              "dei", "delle", "ogni", "ora", "si", "ma", "come", "più", "al"}},
      {"pt", {"o", "a", "os", "as", "de", "do", "da", "dos", "das", "que", "e", "é", "um", "uma", "para", "com",
              "não", "em", "no", "na", "por", "então", "depois", "temos", "são", "isso", "este", "esta", "mais",
              "também", "cada", "agora", "primeiro", "se", "ao", "seu", "sua"}},
      {"nl", {"de", "het", "een", "en", "van", "is", "dat", "die", "niet", "op", "te", "in", "we", "wij", "met",
              "voor", "zijn", "dan", "eerst", "ook", "er", "maar", "aan", "om", "hebben", "deze", "nu", "elke",
              "wordt", "naar", "bij", "als", "ons", "nog"}},
      {"ru", {"и", "в", "не", "на", "что", "с", "как", "это", "по", "но", "из", "у", "за", "для", "от", "мы",
              "он", "же", "так", "все", "его", "если", "или", "бы", "при", "только", "есть", "может", "быть",
              "когда", "уже", "также", "этот", "эта", "который", "которые", "чтобы", "затем", "теперь"}},
      {"uk", {"і", "й", "в", "не", "на", "що", "з", "як", "це", "по", "але", "із", "у", "за", "для", "від",
              "ми", "він", "та", "так", "все", "його", "якщо", "або", "б", "при", "тільки", "є", "може", "бути",
              "коли", "вже", "також", "цей", "ця", "який", "які", "щоб", "потім", "тепер"}},
      {"pl", {"i", "w", "z", "na", "się", "nie", "do", "to", "jest", "że", "o", "a", "jak", "po", "co", "ale",
              "przez", "od", "dla", "są", "więc", "najpierw", "potem", "mamy", "tego", "teraz", "każdy", "jego",
              "oraz", "czy", "ich", "tym", "który", "która"}},
  };
  return *lists;
}

// Lower case (full Unicode, ASCII fast), for looking words up; reuses `out`.
void LowerCase(absl::string_view w, std::string* out) {
  out->clear();
  int32_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(w.data());
  const int32_t n = static_cast<int32_t>(w.size());
  while (i < n) {
    if (p[i] < 0x80) {
      out->push_back(absl::ascii_tolower(p[i++]));
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    c = u_tolower(c);
    char buf[4];
    int32_t len = 0;
    U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), len, c);
    out->append(buf, len);
  }
}

constexpr int kMaxVoteLanguages = 16;
using Votes = std::array<float, kMaxVoteLanguages>;

// Adds the function-word vote of one word. A word on k lists gives each 1/k,
// so shared words ("de", "la") weigh little.
void VoteWord(absl::string_view word, Votes* votes) {
  struct Entry {
    std::vector<int> langs;
  };
  static const auto* weights = [] {
    auto* m = new absl::flat_hash_map<std::string, Entry>();
    const auto& lists = FunctionWords();
    for (size_t l = 0; l < lists.size() && l < kMaxVoteLanguages; ++l) {
      for (absl::string_view w : lists[l].second) (*m)[std::string(w)].langs.push_back(static_cast<int>(l));
    }
    return m;
  }();
  if (word.size() > 16) return;  // no function word is that long
  thread_local std::string lower;
  LowerCase(word, &lower);
  auto it = weights->find(lower);
  if (it == weights->end()) return;
  const float w = 1.0f / it->second.langs.size();
  for (int l : it->second.langs) (*votes)[l] += w;
}

// The language whose function words clearly win, or "" when the vote is too
// thin or too close.
std::string FunctionWordVote(const Votes& votes) {
  int best = -1;
  float first = 0, second = 0;
  for (int l = 0; l < kMaxVoteLanguages; ++l) {
    if (votes[l] > first) {
      second = first;
      first = votes[l];
      best = l;
    } else if (votes[l] > second) {
      second = votes[l];
    }
  }
  if (best < 0) return "";
  // Clear: at least one distinctive word and twice the runner-up, or, with
  // more evidence, three and half as much again as the runner-up.
  bool clear = (first >= 1.0f && first >= 2 * second) || (first >= 3.0f && first >= 1.5f * second);
  return clear ? FunctionWords()[best].first : "";
}

// Groups of fewer words get their language from a neighbour before CLD2.
constexpr int kCld2Words = 16;

// The words of one sentence in one script.
struct Group {
  UScriptCode script;
  size_t sentence = 0;
  int words = 0;
  std::string text;  // the words joined by spaces (for CLD2)
  Votes votes{};     // function-word votes (Latin and Cyrillic)
  std::string language;
  bool reliable = false;
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
      {"tl", "fil"}, {"zh", "zh"},
  };
  auto it = kAliases->find(t);
  return it != kAliases->end() ? it->second : t;
}

int CountWords(absl::string_view text) {
  const std::string stripped = StripNonProse(text);
  Utf16 prose = ToUtf16(stripped);
  int n = 0;
  ForEachWord(stripped, prose, [&](int32_t, int32_t) { ++n; });
  return n;
}

LanguageAnalysis AnalyzeLanguages(absl::string_view text) {
  LanguageAnalysis out;
  const std::string prose = StripNonProse(text);
  const Utf16 utf16 = ToUtf16(prose);
  UBreakIterator* sb = ThreadIterator(UBRK_SENTENCE);
  if (sb == nullptr || utf16.units.empty()) return out;

  // Sentence boundaries, as byte offsets.
  std::vector<int32_t> bounds;
  {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(sb, utf16.units.data(), static_cast<int32_t>(utf16.units.size()), &status);
    if (U_FAILURE(status)) return out;
    for (int32_t b = ubrk_first(sb); b != UBRK_DONE; b = ubrk_next(sb)) bounds.push_back(utf16.byte_at[b]);
  }

  // Words, grouped per sentence and script.
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
      groups.push_back(Group{sc, sentence});
      g = groups.end() - 1;
    }
    ++g->words;
    if (NeedsDetection(sc)) {
      if (!g->text.empty()) g->text.push_back(' ');
      g->text.append(word.data(), word.size());
      if (sc == USCRIPT_LATIN || sc == USCRIPT_CYRILLIC) VoteWord(word, &g->votes);
    }
  });

  // Decide each group's language.
  std::vector<Group*> undecided;
  for (auto& groups : sentences) {
    bool has_kana = std::any_of(groups.begin(), groups.end(),
                                [](const Group& g) { return g.script == USCRIPT_KATAKANA; });
    for (Group& g : groups) {
      if (g.script == USCRIPT_HAN) {
        g.language = has_kana ? "ja" : "zh";
        g.reliable = true;
      } else if (const char* lang = ScriptLanguage(g.script)) {
        g.language = lang;
        g.reliable = true;
      } else if (NeedsDetection(g.script)) {
        // A clear function-word vote decides (it is also right where CLD2
        // misreads short sentences); CLD2 decides the rest.
        std::string vote = g.script == USCRIPT_LATIN || g.script == USCRIPT_CYRILLIC
                               ? FunctionWordVote(g.votes) : std::string();
        if (!vote.empty()) {
          g.language = vote;
          g.reliable = true;
        } else if (g.words >= kCld2Words) {
          // Long enough for CLD2 to be worth its fixed cost per call.
          Detection d = DetectWithCld2(g.text);
          g.language = d.language;
          g.reliable = d.reliable && !d.language.empty();
          if (!g.reliable) undecided.push_back(&g);
        } else {
          undecided.push_back(&g);  // a neighbour or CLD2 decides below
        }
      } else {
        g.language = "und";
        g.reliable = true;
      }
    }
  }
  // Groups without a clear vote take the language of the nearest decided
  // group of the same script (within kReach sentences, so the work stays
  // linear). CLD2 costs tens of microseconds a call whatever the length, so
  // it runs only for what is left: per group when there are at most two,
  // else once on all of them together.
  constexpr long kReach = 8;
  std::map<UScriptCode, std::vector<Group*>> left;
  for (Group* g : undecided) {
    const Group* best = nullptr;
    const long si = static_cast<long>(g->sentence);
    for (long dist = 1; best == nullptr && dist <= kReach; ++dist) {
      for (long j : {si - dist, si + dist}) {
        if (best != nullptr || j < 0 || j >= static_cast<long>(sentences.size())) continue;
        for (const Group& x : sentences[j]) {
          if (x.script == g->script && x.reliable) best = &x;
        }
      }
    }
    if (best != nullptr) {
      g->language = best->language;
    } else {
      left[g->script].push_back(g);
    }
  }
  for (auto& [script, groups] : left) {
    if (groups.size() <= 2) {
      for (Group* g : groups) {
        Detection d = DetectWithCld2(g->text);
        g->language = d.language.empty() ? "und" : d.language;
      }
      continue;
    }
    std::string all;
    for (const Group* g : groups) absl::StrAppend(&all, all.empty() ? "" : " ", g->text);
    Detection d = DetectWithCld2(all);
    for (Group* g : groups) g->language = d.language.empty() ? "und" : d.language;
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
      if (p.languages.empty() || p.languages[0].language == "und") {
        return Verdict::Error("NO_TARGET", "no target language: none given and none detected in the prompt");
      }
      target = p.languages[0].language;
      source = "prompt";
    }
    absl::string_view region = Region(in.completion, region_, PromptPrefillsThink(in.prompt));
    LanguageAnalysis a = AnalyzeLanguages(region);
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
    return "Language consistency (ICU + CLD2): the share of words in the target language "
           "(reference.targetLanguage, else `target`) within the reasoning.";
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
      std::string primary = PrimaryLanguage(target);
      bool ok = primary.size() >= 2 && primary.size() <= 3 &&
                std::all_of(primary.begin(), primary.end(), [](char c) { return c >= 'a' && c <= 'z'; });
      if (!ok) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parameter 'target' must be a BCP-47 language tag (en, zh-Hant, pt-BR) or \"prompt\", got \"",
            target, "\""));
      }
    }
    return std::make_unique<LanguageVerifier>(target, p.GetString("region"), p.GetString("mode") == "binary",
                                              p.GetNumber("threshold"));
  }
};

REGISTER_VERIFIER(LanguageVerifierFactory);

}  // namespace
}  // namespace rewards
