#include "rewards/json_check.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "rewards/utf8.h"

namespace rewards {

bool JsonDeeperThan(absl::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Checker {
 public:
  explicit Checker(absl::string_view s) : s_(s) {}

  absl::StatusOr<JsonType> Run() {
    if (!IsValidUtf8(s_)) return absl::InvalidArgumentError("not valid UTF-8");
    // The open containers, innermost last: true for an object.
    std::vector<bool> open;
    JsonType top = JsonType::kNull;
    bool seen_value = false;
    enum { kValue, kValueOrClose, kKey, kKeyOrClose, kAfterValue } state = kValue;
    for (;;) {
      SkipSpace();
      if (state == kAfterValue && open.empty()) {
        if (i_ == s_.size()) return top;
        return Error("text after the value");
      }
      if (i_ == s_.size()) return Error("unexpected end");
      const char c = s_[i_];
      switch (state) {
        case kValue:
        case kValueOrClose: {
          if (state == kValueOrClose && c == ']') {
            ++i_;
            open.pop_back();
            state = kAfterValue;
            break;
          }
          JsonType type;
          if (c == '[' || c == '{') {
            ++i_;
            open.push_back(c == '{');
            type = c == '{' ? JsonType::kObject : JsonType::kArray;
            state = c == '{' ? kKeyOrClose : kValueOrClose;
          } else {
            absl::StatusOr<JsonType> scalar = Scalar();
            if (!scalar.ok()) return scalar.status();
            type = *scalar;
            state = kAfterValue;
          }
          if (!seen_value) {
            top = type;
            seen_value = true;
          }
          break;
        }
        case kKey:
        case kKeyOrClose: {
          if (state == kKeyOrClose && c == '}') {
            ++i_;
            open.pop_back();
            state = kAfterValue;
            break;
          }
          if (c != '"') return Error("expected a string key");
          if (absl::Status st = String(); !st.ok()) return st;
          SkipSpace();
          if (i_ == s_.size() || s_[i_] != ':') return Error("expected ':'");
          ++i_;
          state = kValue;
          break;
        }
        case kAfterValue: {
          const bool object = open.back();
          if (c == ',') {
            ++i_;
            state = object ? kKey : kValue;
          } else if (c == (object ? '}' : ']')) {
            ++i_;
            open.pop_back();
          } else {
            return Error(object ? "expected ',' or '}'" : "expected ',' or ']'");
          }
          break;
        }
      }
    }
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(what, " at byte ", i_));
  }

  void SkipSpace() {
    while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
  }

  bool Literal(absl::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  absl::StatusOr<JsonType> Scalar() {
    const char c = s_[i_];
    if (c == '"') {
      if (absl::Status st = String(); !st.ok()) return st;
      return JsonType::kString;
    }
    if (c == '-' || IsDigit(c)) {
      if (absl::Status st = Number(); !st.ok()) return st;
      return JsonType::kNumber;
    }
    if (Literal("true") || Literal("false")) return JsonType::kBool;
    if (Literal("null")) return JsonType::kNull;
    return Error("expected a value");
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  absl::Status Number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!Digits()) {
      return Error("expected a digit");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!Digits()) return Error("expected a digit after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!Digits()) return Error("expected a digit in the exponent");
    }
    if (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '.')) return Error("malformed number");
    return absl::OkStatus();
  }

  bool Digits() {
    size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    return i_ > start;
  }

  // Reads \uXXXX at i_ (after the backslash and 'u'); -1 when malformed.
  int Hex4() {
    if (s_.size() - i_ < 4) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = HexValue(s_[i_ + k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    i_ += 4;
    return v;
  }

  absl::Status String() {
    ++i_;  // the opening quote
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("control character in a string");
      if (c != '\\') {
        ++i_;
        continue;
      }
      ++i_;
      if (i_ == s_.size()) break;
      const char e = s_[i_++];
      if (e == 'u') {
        int u = Hex4();
        if (u < 0) return Error("malformed \\u escape");
        if (u >= 0xDC00 && u <= 0xDFFF) return Error("lone low surrogate escape");
        if (u >= 0xD800 && u <= 0xDBFF) {
          if (s_.substr(i_, 2) != "\\u") return Error("lone high surrogate escape");
          i_ += 2;
          int low = Hex4();
          if (low < 0xDC00 || low > 0xDFFF) return Error("lone high surrogate escape");
        }
      } else if (absl::string_view("\"\\/bfnrt").find(e) == absl::string_view::npos) {
        return Error("unknown escape");
      }
    }
    return Error("unterminated string");
  }

  absl::string_view s_;
  size_t i_ = 0;
};

}  // namespace

absl::StatusOr<JsonType> CheckJson(absl::string_view text) { return Checker(text).Run(); }

}  // namespace rewards
