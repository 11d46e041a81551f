#include "rewards/language_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <map>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "third_party/langdetect/langdetect_profiles.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace rewards {
namespace {

// Scripts shared by several of the profiles' languages.
constexpr UScriptCode kModelledScripts[] = {USCRIPT_LATIN, USCRIPT_CYRILLIC, USCRIPT_ARABIC, USCRIPT_DEVANAGARI};

// The probability every n-gram gets on top of its profile frequency: keeps
// one n-gram a language's profile happens to lack from vetoing it.
constexpr double kFloor = 5e-5;

// Single letters say little that pairs and triples do not (measured on the
// evaluation sets), at a third of the lookups: they are left out.
constexpr bool kUseUnigrams = false;

// A text character as the profiles spell it: lower case, with the profiles'
// foldings (Vietnamese letters with two marks share one code point, Romanian
// comma-below letters are the cedilla ones, Farsi yeh is Arabic yeh).
UChar32 Fold(UChar32 c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  c = u_tolower(c);
  if (c >= 0x1EA0 && c <= 0x1EF9) return 0x1EC3;
  if (c == 0x0219) return 0x015F;
  if (c == 0x021B) return 0x0163;
  if (c == 0x06CC) return 0x064A;
  return c;
}

bool IsLetter(UChar32 c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return u_isalpha(c) || u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK) & U_GC_M_MASK;
}

uint64_t Key(UChar32 a) { return static_cast<uint64_t>(a); }
uint64_t Key(UChar32 a, UChar32 b) { return static_cast<uint64_t>(a) << 21 | static_cast<uint64_t>(b); }
uint64_t Key(UChar32 a, UChar32 b, UChar32 c) {
  return static_cast<uint64_t>(a) << 42 | static_cast<uint64_t>(b) << 21 | static_cast<uint64_t>(c);
}

uint64_t Hash(uint64_t key) { return (key * 0x9E3779B97F4A7C15ull) >> 20; }

struct Profile {
  std::string language;
  double totals[3] = {1, 1, 1};
  absl::flat_hash_map<uint64_t, double> counts;  // folded n-gram -> count
  UScriptCode script = USCRIPT_COMMON;
};

// The primary subtag of a profile's name ("zh-cn" -> "zh").
std::string ProfileLanguage(absl::string_view name) {
  return std::string(name.substr(0, name.find('-')));
}

std::vector<Profile> ParseProfiles(absl::string_view text) {
  std::vector<Profile> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '@') {
      std::vector<absl::string_view> f = absl::StrSplit(line.substr(1), ' ');
      Profile p;
      p.language = std::string(f[0]);
      for (int n = 0; n < 3 && n + 1 < static_cast<int>(f.size()); ++n) {
        double v = 1;
        if (absl::SimpleAtod(f[n + 1], &v) && v > 0) p.totals[n] = v;
      }
      out.push_back(std::move(p));
      continue;
    }
    if (out.empty()) continue;
    size_t tab = line.rfind('\t');
    if (tab == absl::string_view::npos) continue;
    double count = 0;
    if (!absl::SimpleAtod(line.substr(tab + 1), &count)) continue;
    UChar32 cps[3];
    int n = 0;
    const auto* p = reinterpret_cast<const uint8_t*>(line.data());
    int32_t i = 0;
    const int32_t len = static_cast<int32_t>(tab);
    while (i < len && n < 4) {
      UChar32 c;
      U8_NEXT(p, i, len, c);
      if (c < 0 || n == 3) {
        n = 4;
        break;
      }
      cps[n++] = Fold(c);
    }
    if (n < 1 || n > 3) continue;
    uint64_t key = n == 1 ? Key(cps[0]) : n == 2 ? Key(cps[0], cps[1]) : Key(cps[0], cps[1], cps[2]);
    out.back().counts[key] += count;
  }
  return out;
}

int Order(uint64_t key) {
  if (key >> 42) return 3;
  if (key >> 21) return 2;
  return 1;
}

}  // namespace

const LanguageModel& LanguageModel::Get() {
  static const LanguageModel* model = new LanguageModel();
  return *model;
}

LanguageModel::LanguageModel() {
  std::vector<Profile> profiles = ParseProfiles(langdetect::Profiles());
  // Each profile's script: that of most of its letters.
  for (Profile& p : profiles) {
    std::map<UScriptCode, double> by_script;
    for (const auto& [key, count] : p.counts) {
      if (Order(key) != 1) continue;
      UErrorCode status = U_ZERO_ERROR;
      UScriptCode sc = uscript_getScript(static_cast<UChar32>(key), &status);
      if (U_SUCCESS(status) && sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) by_script[sc] += count;
    }
    double best = -1;
    for (const auto& [sc, n] : by_script) {
      if (n > best) {
        best = n;
        p.script = sc;
      }
    }
    std::string lang = ProfileLanguage(p.language);
    if (std::find(profile_languages_.begin(), profile_languages_.end(), lang) == profile_languages_.end()) {
      profile_languages_.push_back(lang);
    }
  }
  std::sort(profile_languages_.begin(), profile_languages_.end());

  const uint8_t absent_cost =
      static_cast<uint8_t>(std::min(255.0, std::round(-std::log(kFloor) * kCostsPerNat)));
  for (UScriptCode sc : kModelledScripts) {
    Script s;
    s.code = sc;
    std::vector<const Profile*> members;
    for (const Profile& p : profiles) {
      if (p.script == sc) {
        members.push_back(&p);
        s.languages.push_back(ProfileLanguage(p.language));
      }
    }
    if (members.empty() || members.size() > kMaxCandidates) std::abort();
    const int k = static_cast<int>(members.size());
    s.stride = (k + 15) / 16 * 16;
    s.absent.assign(s.stride, absent_cost);
    // Every n-gram of the script's profiles gets a row.
    absl::flat_hash_map<uint64_t, uint32_t> index;
    for (int l = 0; l < k; ++l) {
      for (const auto& [key, count] : members[l]->counts) {
        auto [it, inserted] = index.try_emplace(key, static_cast<uint32_t>(index.size()));
        if (inserted) s.rows.insert(s.rows.end(), s.absent.begin(), s.absent.end());
        double prob = count / members[l]->totals[Order(key) - 1];
        double cost = std::round(-std::log(prob + kFloor) * kCostsPerNat);
        s.rows[static_cast<size_t>(it->second) * s.stride + l] = static_cast<uint8_t>(std::clamp(cost, 0.0, 255.0));
      }
    }
    // Open addressing; each slot holds its key and row together, so a
    // lookup touches one cache line.
    size_t size = 1;
    while (size * 3 < index.size() * 5) size <<= 1;
    s.slot_bytes = 8 + s.stride;
    s.table.assign(size * s.slot_bytes, 0);
    s.mask = size - 1;
    for (const auto& [key, row] : index) {
      uint64_t h = Hash(key) & s.mask;
      auto occupied = [&](uint64_t at) {
        uint64_t k;
        std::memcpy(&k, &s.table[at * s.slot_bytes], 8);
        return k != 0;
      };
      while (occupied(h)) h = (h + 1) & s.mask;
      uint8_t* slot = &s.table[h * s.slot_bytes];
      std::memcpy(slot, &key, 8);
      std::memcpy(slot + 8, &s.rows[static_cast<size_t>(row) * s.stride], s.stride);
    }
    s.rows.clear();
    s.rows.shrink_to_fit();
    scripts_.push_back(std::move(s));
  }
}

int LanguageModel::ScriptIndex(UScriptCode sc) const {
  for (size_t i = 0; i < scripts_.size(); ++i) {
    if (scripts_[i].code == sc) return static_cast<int>(i);
  }
  return -1;
}

int LanguageModel::IndexOf(int script, absl::string_view language) const {
  const auto& langs = scripts_[script].languages;
  for (size_t i = 0; i < langs.size(); ++i) {
    if (langs[i] == language) return static_cast<int>(i);
  }
  return -1;
}

int LanguageModel::Best(int script, const Costs& costs) const {
  const int k = static_cast<int>(scripts_[script].languages.size());
  int best = 0;
  for (int l = 1; l < k; ++l) {
    if (costs[l] < costs[best]) best = l;
  }
  return best;
}

const uint8_t* LanguageModel::Row(const Script& s, uint64_t key) const {
  uint64_t h = Hash(key) & s.mask;
  while (true) {
    const uint8_t* slot = &s.table[h * s.slot_bytes];
    uint64_t k;
    std::memcpy(&k, slot, 8);
    if (k == key) return slot + 8;
    if (k == 0) return nullptr;
    h = (h + 1) & s.mask;
  }
}

void LanguageModel::ComputeWordCosts(const Script& s, absl::string_view word, uint16_t* out) const {
  // The word's letters, folded, between spaces; other characters break it.
  constexpr int kMaxLetters = 32;
  UChar32 cps[kMaxLetters + 2];
  int n = 0;
  const int stride = s.stride;
  auto add_row = [&](const uint8_t* row) {
    if (row == nullptr) return;
    for (int l = 0; l < stride; ++l) out[l] += row[l];
  };
  uint64_t keys[3 * (kMaxLetters + 2)];
  auto flush = [&] {
    if (n == 0) return;
    cps[n + 1] = ' ';
    cps[0] = ' ';
    const int m = n + 2;
    int k = 0;
    if (kUseUnigrams) {
      for (int i = 1; i <= n; ++i) keys[k++] = Key(cps[i]);
    }
    for (int i = 0; i + 1 < m; ++i) keys[k++] = Key(cps[i], cps[i + 1]);
    for (int i = 0; i + 2 < m; ++i) keys[k++] = Key(cps[i], cps[i + 1], cps[i + 2]);
    // All the word's slots are fetched at once, then read.
    for (int j = 0; j < k; ++j) __builtin_prefetch(&s.table[(Hash(keys[j]) & s.mask) * s.slot_bytes]);
    for (int j = 0; j < k; ++j) add_row(Row(s, keys[j]));
    n = 0;
  };
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  const int32_t len = static_cast<int32_t>(word.size());
  int32_t i = 0;
  while (i < len) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0 || !IsLetter(c)) {
      flush();
      continue;
    }
    if (n == kMaxLetters) continue;  // a longer word says nothing more
    cps[++n] = Fold(c);
  }
  flush();
}

namespace {

// A cache of word costs per thread and script, keyed by a 64-bit hash of
// the word (a collision is as likely as a cosmic ray): frequent words stay.
// An entry is the hash (0: empty) and the costs of the script's candidates,
// 32 wide for Latin, 8 for the others; two-way set associative, the first
// entry of a set the more recently filled. Latin holds 64k words (4.7 MB a
// thread), each other script 32k (0.8 MB), allocated when first used.
constexpr int kCachedScripts = 8;
constexpr int kNarrow = 8;

struct ScriptCache {
  uint64_t* entries = nullptr;
  size_t words_per_entry = 0;  // uint64 words: 1 + costs / 4
  size_t sets_mask = 0;
};

// Plain thread_locals (no guard on each use); an owner frees them when the
// thread ends.
thread_local ScriptCache caches[kCachedScripts];

// Zeroed memory for `n` words, on huge pages where the kernel allows
// (transparent huge pages on madvise): random reads of a table of megabytes
// otherwise miss the TLB nearly every time.
uint64_t* AllocateTable(size_t n) {
  constexpr size_t kHuge = 2 << 20;
  const size_t bytes = (n * sizeof(uint64_t) + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, bytes);
  if (p == nullptr) std::abort();
  madvise(p, bytes, MADV_HUGEPAGE);
  std::memset(p, 0, bytes);
  return static_cast<uint64_t*>(p);
}

struct CacheOwner {
  ~CacheOwner() {
    for (ScriptCache& c : caches) {
      std::free(c.entries);
      c = ScriptCache();
    }
  }
};

int CacheWidth(int candidates) { return candidates <= kNarrow ? kNarrow : LanguageModel::kMaxCandidates; }

// The set of `hash`: two entries.
uint64_t* CacheSet(int script, int width, uint64_t hash) {
  ScriptCache& c = caches[script];
  if (c.entries == nullptr) {
    thread_local CacheOwner owner;
    (void)owner;
    const size_t sets = width == kNarrow ? 1u << 14 : 1u << 15;
    c.words_per_entry = 1 + width / 4;
    c.entries = AllocateTable(2 * sets * c.words_per_entry);
    c.sets_mask = sets - 1;
  }
  return c.entries + 2 * ((hash >> 7) & c.sets_mask) * c.words_per_entry;
}

}  // namespace

uint64_t LanguageModel::WordHash(absl::string_view word) { return absl::Hash<absl::string_view>{}(word) | 1; }

void LanguageModel::Prefetch(int script, uint64_t hash) const {
  const int width = CacheWidth(static_cast<int>(scripts_[script].languages.size()));
  const uint64_t* set = CacheSet(script, width, hash);
  __builtin_prefetch(set);
  __builtin_prefetch(set + 2 * (1 + width / 4) - 1);
}

const uint16_t* LanguageModel::AddWordCosts(int script, absl::string_view word, Costs* costs) const {
  return AddWordCosts(script, word, WordHash(word), costs);
}

const uint16_t* LanguageModel::AddWordCosts(int script, absl::string_view word, uint64_t hash, Costs* costs) const {
  const Script& s = scripts_[script];
  const int k = static_cast<int>(s.languages.size());
  const int width = CacheWidth(k);
  const size_t words = 1 + width / 4;
  uint64_t* set = CacheSet(script, width, hash);
  uint64_t* e = set;
  if (set[0] != hash) {
    if (set[words] == hash) {
      e = set + words;
    } else {
      std::copy(set, set + words, set + words);
      uint16_t all[kMaxCandidates] = {};
      ComputeWordCosts(s, word, all);
      set[0] = hash;
      std::memcpy(set + 1, all, width * sizeof(uint16_t));
    }
  }
  const auto* own = reinterpret_cast<const uint16_t*>(e + 1);
  if (width == kNarrow) {
    for (int l = 0; l < kNarrow; ++l) (*costs)[l] += own[l];
  } else {
    for (int l = 0; l < kMaxCandidates; ++l) (*costs)[l] += own[l];
  }
  return own;
}

}  // namespace rewards
