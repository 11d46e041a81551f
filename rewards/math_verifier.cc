#include "rewards/math_verifier.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "rewards/completion.h"
#include "rewards/math_answer.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"

namespace rewards {

std::vector<absl::string_view> FindBoxed(absl::string_view text) {
  // One pass with a stack of open braces, each remembering where a \boxed
  // content starts (or npos for a plain brace); every closed \boxed is kept.
  std::vector<size_t> open;
  std::vector<std::pair<size_t, size_t>> closed;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      // "\\boxed{…}": a doubly escaped \boxed (text escaped twice) is one.
      if (i + 1 < text.size() && text[i + 1] == '\\') ++i;
      absl::string_view rest = text.substr(i);
      size_t len = absl::StartsWith(rest, "\\boxed{") ? 7 : absl::StartsWith(rest, "\\fbox{") ? 6 : 0;
      if (len > 0) {
        open.push_back(i + len);
        i += len - 1;
      } else {
        ++i;  // skip the escaped character (\{ and \} are not grouping braces)
      }
      continue;
    }
    if (c == '{') {
      open.push_back(absl::string_view::npos);
    } else if (c == '}' && !open.empty()) {
      if (open.back() != absl::string_view::npos) closed.emplace_back(open.back(), i);
      open.pop_back();
    }
  }
  // Keep the outermost: a \boxed inside a closed \boxed is part of it.
  std::sort(closed.begin(), closed.end());
  std::vector<absl::string_view> out;
  size_t outer_end = 0;
  for (const auto& [start, end] : closed) {
    if (!out.empty() && start < outer_end) continue;
    out.push_back(text.substr(start, end - start));
    outer_end = end;
  }
  return out;
}

namespace {

// The longest reference answer (after #### or \boxed{} extraction) parsed.
constexpr size_t kMaxReferenceAnswerBytes = 10000;

// A rule's region that is its one candidate (phrase, last_number).
AnswerRegion OneCandidate(absl::string_view rule, absl::string_view region) {
  AnswerRegion r;
  r.found = true;
  r.rule = std::string(rule);
  r.region = region;
  r.chars = region.size();
  r.candidates.push_back(region);
  return r;
}

// Phrase markers, lower case (matched case-insensitively for ASCII).
constexpr absl::string_view kPhrases[] = {
    "the final answer is", "final answer is", "final answer:", "the answer is", "answer:",
    "答案是", "答案为", "答案：", "la respuesta final es", "la respuesta es", "la réponse est",
    "die antwort ist", "# answer",
};

// Case-insensitive (ASCII) search, without copying the text.
bool ContainsIgnoreCase(absl::string_view text, absl::string_view needle) {
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (absl::EqualsIgnoreCase(text.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

AnswerRegion FromPhrase(absl::string_view text) {
  AnswerRegion r;
  // Every phrase holds one of these words: most regions have none.
  bool any = false;
  for (absl::string_view word : {"answer", "答案", "respuesta", "réponse", "antwort"}) {
    any = any || ContainsIgnoreCase(text, word);
  }
  if (!any) return r;
  std::string lower = absl::AsciiStrToLower(text);
  size_t best = absl::string_view::npos, best_end = 0;
  for (absl::string_view p : kPhrases) {
    size_t at = lower.rfind(p.data(), std::string::npos, p.size());
    if (at != std::string::npos && (best == absl::string_view::npos || at > best)) {
      best = at;
      best_end = at + p.size();
    }
  }
  if (best == absl::string_view::npos) return r;
  // The answer may start on a later line ("# Answer\n\n12\pi", PRM800K).
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(text.substr(best_end));
  // A display block ("\\[ … \\]", "$$ … $$") may span lines: all of it.
  for (auto [open, close] : {std::make_pair("\\[", "\\]"), std::make_pair("$$", "$$")}) {
    size_t closing = absl::StartsWith(rest, open) ? rest.find(close, 2) : absl::string_view::npos;
    if (closing != absl::string_view::npos) {
      rest = rest.substr(0, closing + 2);
      break;
    }
  }
  size_t end = rest.find('\n');
  if (absl::StartsWith(rest, "\\[") || absl::StartsWith(rest, "$$")) end = absl::string_view::npos;
  if (end != absl::string_view::npos) rest = rest.substr(0, end);
  // The sentence ends at ". " or "。"; "3.5" keeps its dot.
  for (absl::string_view stop : {". ", "\u3002"}) {
    size_t s = rest.find(stop);
    if (s != absl::string_view::npos) rest = rest.substr(0, s);
  }
  // Markdown bold around the phrase or the answer: "**Answer: \\( 6 \\)**".
  rest = absl::StripAsciiWhitespace(rest);
  while (!rest.empty() && (rest.front() == '*' || rest.front() == ' ')) rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == '*' || rest.back() == ' ')) rest.remove_suffix(1);
  return OneCandidate("phrase", rest);
}

// Boxed values, unless a "final answer" phrase follows the last of them
// ("… = \\boxed{255}$ … Final Answer: The final answer is $10,455$."): the
// later statement is the answer.
std::vector<absl::string_view> BoxedOrLaterPhrase(absl::string_view text, std::vector<absl::string_view> boxed) {
  if (boxed.empty()) return boxed;
  AnswerRegion phrase = FromPhrase(text);
  if (!phrase.found || phrase.region.empty() || phrase.region.data() <= boxed.back().data()) return boxed;
  size_t after_box = boxed.back().data() + boxed.back().size() - text.data();
  absl::string_view tail = text.substr(after_box, phrase.region.data() - text.data() - after_box);
  std::string lower = absl::AsciiStrToLower(tail);
  if (lower.find("final answer") == std::string::npos) return boxed;
  return {phrase.region};
}

// An empty \boxed{} (an echoed "put your final answer within \boxed{}") is
// not a candidate when a non-empty one exists.
void DropEmpty(std::vector<absl::string_view>* candidates) {
  std::vector<absl::string_view> kept;
  for (absl::string_view c : *candidates) {
    // A digit survives normalisation; only digit-free candidates need it.
    bool digit = std::any_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (digit || !NormalizeAnswerText(c).empty()) kept.push_back(c);
  }
  if (!kept.empty()) *candidates = std::move(kept);
}

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }

// The math span (\( … \), \[ … \], $ … $, $$ … $$) holding position `pos`,
// if any: its content. One linear pass over the text before `pos` tracks
// which delimiters are open, then the closer is found after it.
absl::string_view MathSpanAround(absl::string_view text, size_t pos) {
  enum class Open { kNone, kParen, kBrack, kDollar, kDollars };
  Open open = Open::kNone;
  size_t start = 0;
  for (size_t i = 0; i < pos;) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      char d = text[i + 1];
      if (open == Open::kNone && (d == '(' || d == '[')) {
        open = d == '(' ? Open::kParen : Open::kBrack;
        start = i + 2;
      } else if ((open == Open::kParen && d == ')') || (open == Open::kBrack && d == ']')) {
        open = Open::kNone;
      }
      i += 2;
      continue;
    }
    if (c == '$') {
      bool two = i + 1 < text.size() && text[i + 1] == '$';
      if (open == Open::kNone) {
        open = two ? Open::kDollars : Open::kDollar;
        start = i + (two ? 2 : 1);
      } else if ((open == Open::kDollars && two) || (open == Open::kDollar && !two)) {
        open = Open::kNone;
      } else if (open == Open::kDollar && two) {  // "$x$$y$": a close and an open
        start = i + 2;
      }
      i += two ? 2 : 1;
      continue;
    }
    ++i;
  }
  absl::string_view closer;
  switch (open) {
    case Open::kNone: return absl::string_view();
    case Open::kParen: closer = "\\)"; break;
    case Open::kBrack: closer = "\\]"; break;
    case Open::kDollar: closer = "$"; break;
    case Open::kDollars: closer = "$$"; break;
  }
  size_t end = text.find(closer, pos);
  if (end == absl::string_view::npos) return absl::string_view();
  return text.substr(start, end - start);
}

// The longest math span taken as the last expression; a longer one is read
// for its last number alone.
constexpr size_t kMaxLastExpressionChars = 120;

AnswerRegion FromLastNumber(absl::string_view text) {
  AnswerRegion r;
  size_t i = text.size();
  while (i > 0 && !IsDigitChar(text[i - 1])) --i;
  if (i == 0) return r;
  // The last number inside a math span: the span's expression after its
  // last "=" ("is \(\frac{11}{36}\)" is 11/36, not 36).
  absl::string_view span = MathSpanAround(text, i - 1);
  size_t eq = span.rfind('=');
  if (eq != absl::string_view::npos) span = span.substr(eq + 1);
  span = absl::StripAsciiWhitespace(span);
  if (!span.empty() && span.size() <= kMaxLastExpressionChars) {
    return OneCandidate("last_number", span);
  }
  size_t end = i;
  if (end < text.size() && text[end] == '%') ++end;
  size_t start = i;
  while (start > 0) {
    char c = text[start - 1];
    bool inner = (c == ',' || c == '.' || c == '/') && start >= 2 && IsDigitChar(text[start - 2]);
    if (IsDigitChar(c) || inner) {
      --start;
    } else {
      break;
    }
  }
  if (start > 0 && text[start - 1] == '-') --start;
  return OneCandidate("last_number", text.substr(start, end - start));
}

}  // namespace

AnswerRegion ExtractAnswer(absl::string_view completion, const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) {
    AnswerRegion r;
    if (rule == "answer_tag") {
      std::vector<absl::string_view> blocks = AnswerBlocks(completion);
      if (blocks.empty()) continue;
      r.found = true;
      r.rule = rule;
      r.region = blocks.back();
      for (absl::string_view b : blocks) {
        std::vector<absl::string_view> boxed = FindBoxed(b);
        if (boxed.empty()) {
          // A final-answer phrase inside the block narrows it, when no number
          // follows what it names ("… is 14. Or maybe 20." stays whole).
          AnswerRegion phrase = FromPhrase(b);
          bool narrow = phrase.found && !phrase.region.empty();
          if (narrow) {
            size_t after = phrase.region.data() + phrase.region.size() - b.data();
            for (size_t k = after; k < b.size() && narrow; ++k) narrow = !IsDigitChar(b[k]);
          }
          r.candidates.push_back(narrow ? phrase.region : b);
        } else {
          boxed = BoxedOrLaterPhrase(b, std::move(boxed));
          r.candidates.insert(r.candidates.end(), boxed.begin(), boxed.end());
        }
      }
      DropEmpty(&r.candidates);
      // The region limit applies to all answer text, not just the last block.
      for (absl::string_view b : blocks) r.chars += b.size();
      return r;
    }
    if (rule == "boxed") {
      std::vector<absl::string_view> boxed = FindBoxed(completion);
      if (boxed.empty()) continue;
      r.found = true;
      r.rule = rule;
      r.candidates = BoxedOrLaterPhrase(completion, boxed);
      DropEmpty(&r.candidates);
      r.region = r.candidates.back();
      for (absl::string_view b : boxed) r.chars += b.size();
      return r;
    }
    if (rule == "phrase") {
      r = FromPhrase(completion);
      if (r.found) return r;
      continue;
    }
    if (rule == "last_number") {
      r = FromLastNumber(completion);
      if (r.found) return r;
      continue;
    }
  }
  return AnswerRegion();
}

std::string ReferenceAnswerText(absl::string_view reference) {
  size_t hashes = reference.rfind("####");
  if (hashes != absl::string_view::npos) return std::string(absl::StripAsciiWhitespace(reference.substr(hashes + 4)));
  std::vector<absl::string_view> boxed = FindBoxed(reference);
  DropEmpty(&boxed);
  // Several different boxed values are the reference's list ("\boxed{1}
  // papers and \boxed{2} bins"); the same value boxed twice is one.
  std::vector<absl::string_view> distinct;
  absl::flat_hash_set<std::string> seen;  // linear in the boxes
  for (absl::string_view b : boxed) {
    if (seen.insert(NormalizeAnswerText(b)).second) distinct.push_back(b);
  }
  if (distinct.size() > 1) return absl::StrJoin(distinct, ", ");
  if (!boxed.empty()) return std::string(boxed.back());
  // A solution ending "Final Answer: The final answer is $28\\%$.": its phrase.
  AnswerRegion phrase = FromPhrase(reference);
  if (phrase.found && !phrase.region.empty()) return std::string(phrase.region);
  return std::string(absl::StripAsciiWhitespace(reference));
}

namespace {

const std::vector<std::string>& KnownRules() {
  static const auto* rules = new std::vector<std::string>{"answer_tag", "boxed", "phrase", "last_number"};
  return *rules;
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", CleanUtf8(s, 43, "…"), "\""); }

// What in an answer denies or bounds the value it names ("x \neq 14",
// "not 14", "at least 14", "\ge 14", "14+"), or "" when nothing does. Such an
// answer does not state the value (red team: each of these scored 1 against
// 14). A reference written with any of them is compared by its shape instead.
std::string DeniesOrBounds(absl::string_view answer) {
  const std::string lower = absl::AsciiStrToLower(answer);
  const absl::string_view a = lower;
  auto command = [&](absl::string_view name) {
    for (size_t at = a.find(name); at != absl::string_view::npos; at = a.find(name, at + 1)) {
      const size_t end = at + name.size();
      if (end >= a.size() || !absl::ascii_isalpha(static_cast<unsigned char>(a[end]))) return true;
    }
    return false;
  };
  for (absl::string_view name : {"\\neq", "\\ne", "\\not", "\\notin", "\\lnot", "\\neg", "\\nless", "\\ngtr",
                                 "\\nleq", "\\ngeq", "\\nleqslant", "\\ngeqslant"}) {
    if (command(name)) return std::string(name);
  }
  for (absl::string_view sign : {"!=", "\xE2\x89\xA0" /* ≠ */, "\xE2\x88\x89" /* ∉ */, "\xC2\xAC" /* ¬ */}) {
    if (a.find(sign) != absl::string_view::npos) return std::string(sign);
  }
  // A relation with nothing on its left: a bound, not a value.
  absl::string_view t = absl::StripAsciiWhitespace(a);
  while (absl::ConsumePrefix(&t, "$") || absl::ConsumePrefix(&t, "\\(") || absl::ConsumePrefix(&t, "\\[") ||
         absl::ConsumePrefix(&t, "\\boxed{")) {
    t = absl::StripLeadingAsciiWhitespace(t);
  }
  for (absl::string_view rel : {"\\geqslant", "\\leqslant", "\\geq", "\\leq", "\\ge", "\\le", "\\gt", "\\lt", ">", "<",
                                "\xE2\x89\xA5" /* ≥ */, "\xE2\x89\xA4" /* ≤ */}) {
    if (absl::StartsWith(t, rel) &&
        (rel[0] != '\\' || t.size() == rel.size() || !absl::ascii_isalpha(static_cast<unsigned char>(t[rel.size()])))) {
      return std::string(rel);
    }
  }
  // "14+": a digit, then a plus that nothing follows.
  absl::string_view u = absl::StripTrailingAsciiWhitespace(t);
  while (absl::ConsumeSuffix(&u, "$") || absl::ConsumeSuffix(&u, "}") || absl::ConsumeSuffix(&u, ".")) {
    u = absl::StripTrailingAsciiWhitespace(u);
  }
  if (u.size() >= 2 && u.back() == '+' && absl::ascii_isdigit(static_cast<unsigned char>(u[u.size() - 2]))) return "+";
  // Words, whole.
  auto word = [&](absl::string_view w) {
    for (size_t at = a.find(w); at != absl::string_view::npos; at = a.find(w, at + 1)) {
      const bool starts = at == 0 || !absl::ascii_isalpha(static_cast<unsigned char>(a[at - 1]));
      const size_t end = at + w.size();
      const bool ends = end >= a.size() || !absl::ascii_isalpha(static_cast<unsigned char>(a[end]));
      if (starts && ends) return true;
    }
    return false;
  };
  for (absl::string_view w : {"not", "less than", "more than", "greater than", "fewer than", "at least", "at most",
                              "up to", "anything but", "or more", "or less", "or fewer", "or greater", "other than",
                              "except", "wrong", "incorrect", "isn't", "never"}) {
    if (word(w)) return std::string(w);
  }
  return "";
}

// The answer as it was compared: as text when the reference is text.
std::string Shown(const ParsedAnswer& answer, const ParsedAnswer& ref) {
  if (ref.kind == ParsedAnswer::Kind::kText && answer.kind != ParsedAnswer::Kind::kText) {
    ParsedAnswer as_text = answer;
    as_text.kind = ParsedAnswer::Kind::kText;
    as_text.text = answer.normalized;
    return DescribeAnswer(as_text);
  }
  return DescribeAnswer(answer);
}

// "1,22": a comma right between two digits (not "$8$,$4$", not "1, 2").
bool HasDigitCommaDigit(absl::string_view s) {
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == ',' && IsDigitChar(s[i - 1]) && IsDigitChar(s[i + 1])) return true;
  }
  return false;
}

// The contents of every math span ($…$, $$…$$, \(…\), \[…\]) in `text`, in
// one linear pass; an unclosed span ends the search.
std::vector<absl::string_view> MathSpans(absl::string_view text) {
  std::vector<absl::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    absl::string_view closer;
    size_t open = 0;
    if (text[i] == '$') {
      open = i + 1 < text.size() && text[i + 1] == '$' ? 2 : 1;
      closer = open == 2 ? "$$" : "$";
    } else if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '[')) {
      open = 2;
      closer = text[i + 1] == '(' ? "\\)" : "\\]";
    } else {
      i += text[i] == '\\' ? 2 : 1;
      continue;
    }
    size_t start = i + open;
    size_t end = text.find(closer, start);
    if (end == absl::string_view::npos) break;
    out.push_back(text.substr(start, end - start));
    i = end + closer.size();
  }
  return out;
}

// The sentence holding `inner` (a view into `text`): from after the last
// line break or ". " before it to the next one after it.
absl::string_view SentenceAround(absl::string_view text, absl::string_view inner) {
  size_t begin = inner.data() - text.data(), end = begin + inner.size();
  size_t start = 0;
  for (size_t i = begin; i > 0; --i) {
    char c = text[i - 1];
    if (c == '\n' || (c == ' ' && i >= 2 && text[i - 2] == '.' && !(i >= 3 && IsDigitChar(text[i - 3])))) {
      start = i;
      break;
    }
  }
  size_t stop = text.size();
  for (size_t i = end; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n'))) {
      stop = i;
      break;
    }
  }
  return text.substr(start, stop - start);
}

// A value too large for exact arithmetic ("3^{2007}", "2012^{2011}") is
// compared as written (normalised text) rather than refused.
void TooLargeAsText(ParsedAnswer* a) {
  if (a->kind == ParsedAnswer::Kind::kInvalid && a->text == "too large" && !a->normalized.empty()) {
    a->kind = ParsedAnswer::Kind::kText;
    a->text = a->normalized;
  }
}

class MathVerifier : public Verifier {
 public:
  MathVerifier(std::vector<std::string> rules, MathTolerance tol, bool allow_multiple, size_t max_chars)
      : rules_(std::move(rules)), tol_(tol), allow_multiple_(allow_multiple), max_chars_(max_chars) {}

  absl::Status CheckReference(const reward::v1::Reference& ref) const override {
    std::string text = ReferenceAnswerText(ref.answer());
    if (absl::StripAsciiWhitespace(text).empty()) {
      return absl::InvalidArgumentError("answer is missing or empty");
    }
    // Checked on the request's thread, before any deadline applies: parsing
    // costs up to a few ms per KB of hostile input, so it is bounded.
    if (text.size() > kMaxReferenceAnswerBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("answer is ", text.size(), " bytes, the limit is ",
                                                       kMaxReferenceAnswerBytes));
    }
    ParsedAnswer parsed = ParseAnswer(text, /*allow_text=*/false, /*decimal_comma=*/false, /*variables=*/true,
                                      /*keep_equations=*/true);
    TooLargeAsText(&parsed);
    if (parsed.kind == ParsedAnswer::Kind::kInvalid) {
      return absl::InvalidArgumentError(absl::StrCat("answer ", Quote(text), " is unusable: ", parsed.text));
    }
    return absl::OkStatus();
  }

  Verdict Score(const SampleInput& in) const override {
    // A comma between digits in a reference separates values ("5,1",
    // "$8$,$4$"); when it can also be a decimal comma ("1,22", "0,111"), the
    // decimal reading is tried too.
    std::string ref_text = ReferenceAnswerText(in.reference->answer());
    ParsedAnswer ref = ParseAnswer(ref_text, /*allow_text=*/false, /*decimal_comma=*/false, /*variables=*/true,
                                   /*keep_equations=*/true);
    TooLargeAsText(&ref);
    if (ref.kind == ParsedAnswer::Kind::kInvalid) {
      return Verdict::Error("BAD_REFERENCE", absl::StrCat("reference unusable: ", ref.text));
    }
    Verdict v = Judge(in, ref);
    if (v.score == 0 && ref.kind == ParsedAnswer::Kind::kNumbers && HasDigitCommaDigit(ref_text)) {
      ParsedAnswer decimal = ParseAnswer(ref_text, /*allow_text=*/false, /*decimal_comma=*/true);
      // Only when a comma became a decimal point ("(3,331)" is not 3331).
      auto dots = [](const std::string& t) { return std::count(t.begin(), t.end(), '.'); };
      if (decimal.kind == ParsedAnswer::Kind::kNumbers && decimal.values.size() == 1 &&
          dots(decimal.normalized) > dots(ref.normalized)) {
        Verdict d = Judge(in, decimal);
        if (d.score == 1) return d;
      }
    }
    return v;
  }

 private:
  Verdict Judge(const SampleInput& in, const ParsedAnswer& ref) const {
    AnswerRegion region = ExtractAnswer(in.completion, rules_);
    if (!region.found) {
      return Verdict::Ok(0, absl::StrCat("no answer found (", absl::StrJoin(rules_, ", "), ")"));
    }
    const std::string& rule = region.rule;
    if (region.chars > max_chars_) {
      return Verdict::Ok(0, absl::StrCat("answer too long: ", region.chars, " chars > ",
                                         max_chars_, " (", rule, ")"));
    }
    if (DeniesOrBounds(ReferenceAnswerText(in.reference->answer())).empty()) {
      for (absl::string_view c : region.candidates) {
        const std::string marker = DeniesOrBounds(c);
        if (!marker.empty()) {
          return Verdict::Ok(0, absl::StrCat("denied or bounded, not stated (", marker, "): ", Quote(c), " (", rule, ")"));
        }
      }
    }
    // Against a reference of several values, "1,2" is two values, not 1.2.
    bool several = ref.kind == ParsedAnswer::Kind::kNumbers && ref.values.size() > 1;
    if (ref.equation && rule == "last_number" && region.candidates.size() == 1) {
      // Against an equation, the whole math span, not what follows its "=".
      absl::string_view c = region.candidates[0];
      absl::string_view span = MathSpanAround(in.completion, c.data() - in.completion.data());
      if (!span.empty() && span.size() <= kMaxLastExpressionChars) region.candidates[0] = span;
    }
    std::optional<ParsedAnswer> stated;
    if (several && ref.parts.empty() && (ref.list || ref.is_set) &&
        (rule == "last_number" || rule == "phrase") && region.candidates.size() == 1) {
      // Without a boxed answer, several solutions are stated in a sentence
      // ("the solutions are \\(x = -1\\), \\(x = 2\\), and \\(x = -2\\)."): the
      // values of its math spans, when they are as many as the reference's.
      // The sentence is the phrase's, or the last one.
      absl::string_view sentence = rule == "phrase" ? region.candidates[0]
                                                    : SentenceAround(in.completion, region.candidates[0]);
      ParsedAnswer all;
      all.kind = ParsedAnswer::Kind::kNumbers;
      all.list = true;
      all.normalized = std::string(sentence);
      if (sentence.size() <= max_chars_) {
        for (absl::string_view span : MathSpans(sentence)) {
          ParsedAnswer v = ParseAnswer(span, /*allow_text=*/false, /*decimal_comma=*/false);
          if (v.kind == ParsedAnswer::Kind::kNumbers && v.parts.empty() && v.brackets.empty()) {
            all.values.insert(all.values.end(), v.values.begin(), v.values.end());
          }
        }
      }
      if (all.values.size() == ref.values.size()) stated = std::move(all);
    }
    std::vector<ParsedAnswer> answers;
    for (absl::string_view c : region.candidates) {
      // An expression with free variables is read as one only against such a reference.
      // Against an equation, an answer's equation stays whole too.
      ParsedAnswer a = ParseAnswer(c, /*allow_text=*/true, /*decimal_comma=*/!several,
                                   /*variables=*/ref.kind == ParsedAnswer::Kind::kExpression,
                                   /*keep_equations=*/ref.equation);
      if (ref.kind == ParsedAnswer::Kind::kText) TooLargeAsText(&a);
      bool prose = a.kind == ParsedAnswer::Kind::kSeveral || (a.kind == ParsedAnswer::Kind::kNumbers && a.from_text);
      if (prose && ref.kind != ParsedAnswer::Kind::kText) {
        // Words around math ("Answer \\( (9+1) \\)"): the math, when every
        // span in it is a value and they all agree.
        std::vector<absl::string_view> spans = MathSpans(c);
        std::vector<ParsedAnswer> values;
        for (absl::string_view span : spans) {
          values.push_back(ParseAnswer(span, /*allow_text=*/false, /*decimal_comma=*/!several));
          if (values.back().kind != ParsedAnswer::Kind::kNumbers ||
              !CompareAnswers(values.back(), values.front(), tol_).equal) {
            values.clear();
            break;
          }
        }
        if (!values.empty()) a = std::move(values.front());
      }
      if (a.kind == ParsedAnswer::Kind::kInvalid) {
        return Verdict::Ok(0, absl::StrCat(a.text, ": ", Quote(c), " (", rule, ")"));
      }
      answers.push_back(std::move(a));
    }
    if (stated) answers[0] = std::move(*stated);
    // A flat list of several values ("10,11,12,13,14,-2,-1,0,1,2") answered
    // as groups of them ("\\{10, …, 14\\}, \\{-2, …, 2\\}"): the groups' values.
    for (ParsedAnswer& a : answers) {
      if (several && ref.list && ref.parts.empty() && !a.parts.empty() && a.values.size() == ref.values.size()) {
        a.parts.clear();
        a.brackets.clear();
        a.is_set = false;
        a.list = true;
      }
    }
    // Several candidates must agree, unless the request allows hedging.
    std::vector<const ParsedAnswer*> distinct;
    for (const ParsedAnswer& a : answers) {
      bool seen = false;
      for (const ParsedAnswer* d : distinct) {
        seen = seen || CompareAnswers(a, *d, tol_).equal || CompareAnswers(*d, a, tol_).equal;
      }
      if (!seen) distinct.push_back(&a);
    }
    // A reference of several values may be answered one \boxed{} per value
    // (or per run of values: "\boxed{10, 11} and \boxed{-2, -1}").
    if (answers.size() > 1 && ref.kind == ParsedAnswer::Kind::kNumbers && ref.parts.empty() &&
        ref.values.size() >= answers.size()) {
      ParsedAnswer joined;
      joined.kind = ParsedAnswer::Kind::kNumbers;
      bool plain = true;
      for (const ParsedAnswer& a : answers) {
        plain = plain && a.kind == ParsedAnswer::Kind::kNumbers && a.parts.empty() && !a.values.empty();
        if (plain) joined.values.insert(joined.values.end(), a.values.begin(), a.values.end());
      }
      if (plain && joined.values.size() == ref.values.size()) {
        // One box per value keeps the reference's order.
        ParsedAnswer ordered = ref;
        ordered.list = false;
        Comparison cmp = CompareAnswers(joined, ordered, tol_);
        if (cmp.equal) {
          return Verdict::Ok(1, absl::StrCat(DescribeAnswer(joined), " = ", DescribeAnswer(ref), " (", rule,
                                             ", one value each, ", cmp.how, ")"));
        }
      }
    }
    // A reference of several groups may be answered one \boxed{} per group, in any order.
    if (answers.size() > 1 && ref.parts.size() == answers.size()) {
      ParsedAnswer joined;
      joined.kind = ParsedAnswer::Kind::kNumbers;
      for (const ParsedAnswer& a : answers) {
        if (a.kind == ParsedAnswer::Kind::kNumbers && a.parts.empty()) {
          joined.parts.push_back(a);
          joined.values.insert(joined.values.end(), a.values.begin(), a.values.end());
        }
      }
      if (joined.parts.size() == answers.size()) {
        Comparison cmp = CompareAnswers(joined, ref, tol_);
        if (cmp.equal) {
          return Verdict::Ok(1, absl::StrCat(DescribeAnswer(joined), " = ", DescribeAnswer(ref), " (", rule,
                                             ", one group each, ", cmp.how, ")"));
        }
      }
    }
    // Against a reference of several values, values joined in words ("5 or
    // -2", "x = 5 and x = -2") are a list of solutions when they are as many.
    bool list_ref = ref.kind == ParsedAnswer::Kind::kNumbers && ref.parts.empty() && ref.values.size() > 1;
    for (ParsedAnswer& a : answers) {
      if (list_ref && a.kind == ParsedAnswer::Kind::kSeveral && a.values.size() == ref.values.size()) {
        a.kind = ParsedAnswer::Kind::kNumbers;
        a.list = true;
      }
    }
    if (distinct.size() > 1 && !allow_multiple_) {
      std::vector<std::string> shown;
      for (const ParsedAnswer* d : distinct) shown.push_back(DescribeAnswer(*d));
      return Verdict::Ok(0, absl::StrCat("several answers: ", absl::StrJoin(shown, ", "), " (", rule, ")"));
    }
    for (const ParsedAnswer* a : distinct) {
      if (a->kind == ParsedAnswer::Kind::kSeveral && !allow_multiple_) {
        return Verdict::Ok(0, absl::StrCat("several answers: ", DescribeAnswer(*a), " (", rule, ")"));
      }
    }
    for (const ParsedAnswer* a : distinct) {
      std::vector<ParsedAnswer> options;
      if (a->kind == ParsedAnswer::Kind::kSeveral) {
        for (const Number& n : a->values) {
          ParsedAnswer one;
          one.kind = ParsedAnswer::Kind::kNumbers;
          one.values = {n};
          options.push_back(one);
        }
      } else {
        options.push_back(*a);
      }
      for (const ParsedAnswer& o : options) {
        Comparison cmp = CompareAnswers(o, ref, tol_);
        if (cmp.equal) {
          return Verdict::Ok(1, absl::StrCat(Shown(o, ref), " = ", DescribeAnswer(ref), " (", rule, ", ",
                                             cmp.how, ")"));
        }
      }
    }
    const ParsedAnswer& shown = *distinct.back();
    std::string how = shown.kind == ParsedAnswer::Kind::kText || ref.kind == ParsedAnswer::Kind::kText
                          ? ", compared as text"
                          : "";
    return Verdict::Ok(0, absl::StrCat(Shown(shown, ref), " ≠ ", DescribeAnswer(ref), " (", rule, how, ")"));
  }

  std::vector<std::string> rules_;
  MathTolerance tol_;
  bool allow_multiple_;
  size_t max_chars_;
};

class MathVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return "math"; }
  std::string Description() const override {
    return "Numeric answer match: the final answer (answer tag, \\boxed{}, a phrase, or the last number) "
           "equals reference.answer, exactly for rationals, else within tolerance; 1 or 0.";
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::StringList("extract", {"answer_tag", "boxed"},
                              "Where the answer is taken from, rules tried in order: answer_tag (last "
                              "<answer>…</answer>, narrowed to a \\boxed{} inside it), boxed (last \\boxed{} "
                              "or \\fbox{}), phrase (\"the answer is …\", \"final answer: …\", \"答案是…\", "
                              "\"la respuesta es …\"), last_number."),
        ParamSpec::Number("rel_tol", 1e-6, 0, 1, "Relative tolerance when either side is not an exact rational."),
        ParamSpec::Number("abs_tol", 1e-9, 0, 1e300, "Absolute tolerance, likewise."),
        ParamSpec::Bool("percent_as_fraction", false, "A percentage also equals its fraction: 50% = 0.5."),
        ParamSpec::Bool("unordered", false, "Compare several values as a set, not in order."),
        ParamSpec::Bool("allow_multiple", false,
                        "Accept hedged answers (several different final answers): 1 if any matches. Off: 0."),
        ParamSpec::Number("max_answer_chars", 200, 1, 1e7, "An answer region longer than this scores 0."),
    };
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Milliseconds(500); }

  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    std::vector<std::string> rules = p.GetStringList("extract");
    if (rules.empty()) return absl::InvalidArgumentError("parameter 'extract' must name at least one rule");
    for (const std::string& r : rules) {
      if (std::find(KnownRules().begin(), KnownRules().end(), r) == KnownRules().end()) {
        return absl::InvalidArgumentError(absl::StrCat("parameter 'extract': unknown rule '", r, "' (known: ",
                                                       absl::StrJoin(KnownRules(), ", "), ")"));
      }
    }
    MathTolerance tol;
    tol.rel_tol = p.GetNumber("rel_tol");
    tol.abs_tol = p.GetNumber("abs_tol");
    tol.percent_as_fraction = p.GetBool("percent_as_fraction");
    tol.unordered = p.GetBool("unordered");
    return std::make_unique<MathVerifier>(std::move(rules), tol, p.GetBool("allow_multiple"),
                                          static_cast<size_t>(p.GetNumber("max_answer_chars")));
  }
};

REGISTER_VERIFIER(MathVerifierFactory);

}  // namespace
}  // namespace rewards
