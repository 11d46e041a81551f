#include "server/auth.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace server {
namespace {

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Compares without stopping at the first difference (the time taken does
// not tell how much of a guess was right).
bool ConstantTimeEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::set<std::string> ParseTokens(absl::string_view text) {
  std::set<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    tokens.emplace(line);
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<TokenAuth>> TokenAuth::Load(const std::string& path) {
  std::unique_ptr<TokenAuth> auth(new TokenAuth(path));
  absl::Status st = auth->Refresh();
  if (auth->tokens_.empty() && st.code() != absl::StatusCode::kNotFound) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": no tokens"));
  }
  if (!st.ok()) return st;
  return auth;
}

absl::Status TokenAuth::Refresh() {
  struct stat now {};
  if (stat(path_.c_str(), &now) != 0) {
    return absl::NotFoundError(absl::StrCat("token file ", path_, ": cannot stat"));
  }
  if (SameFile(now, seen_)) return absl::OkStatus();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("token file ", path_, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> tokens = ParseTokens(text.str());
  if (tokens.empty()) {
    // Half-written, or emptied by mistake: refusing everyone would be worse.
    return absl::FailedPreconditionError(absl::StrCat("token file ", path_, ": no tokens; keeping the old ones"));
  }
  tokens_ = std::move(tokens);
  seen_ = now;
  return absl::OkStatus();
}

absl::Status TokenAuth::Check(absl::string_view authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  Refresh().IgnoreError();  // on failure the tokens read last stay in force
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError(
        authorization.empty() ? "missing authorization: send 'authorization: Bearer <token>'"
                              : "authorization must be 'Bearer <token>'");
  }
  token = absl::StripAsciiWhitespace(token);
  bool found = false;
  for (const std::string& t : tokens_) found |= ConstantTimeEqual(t, token);
  if (!found) return absl::UnauthenticatedError("unknown bearer token");
  return absl::OkStatus();
}

}  // namespace server
