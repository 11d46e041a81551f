// A character n-gram language identifier: multinomial naive Bayes over the
// 1- to 3-gram profiles of 55 languages that langdetect ships
// (third_party/langdetect), written for this service.
//
// The profiles' languages are grouped by the script they are written in
// (Latin, Cyrillic, Arabic, Devanagari); a word of one of those scripts is
// scored against its script's languages only. A word's cost for a language is
// -log P(word's n-grams | language) in tenths of a nat (lower is likelier);
// the costs of a sentence's words add up, and the caller decides:
//   const LanguageModel& m = LanguageModel::Get();
//   int script = m.ScriptIndex(USCRIPT_LATIN);
//   LanguageModel::Costs costs{};
//   m.AddWordCosts(script, "bonjour", &costs);
//   int best = m.Best(script, costs);  // m.Candidates(script)[best] == "fr"
#ifndef REWARDS_LANGUAGE_MODEL_H_
#define REWARDS_LANGUAGE_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "unicode/uscript.h"

namespace rewards {

class LanguageModel {
 public:
  static constexpr int kMaxCandidates = 32;
  // Cost per candidate of one script, in tenths of a nat.
  using Costs = std::array<uint32_t, kMaxCandidates>;
  static constexpr int kCostsPerNat = 10;

  // The model, loaded on first use (about 20 ms) and shared by all threads.
  static const LanguageModel& Get();

  // The index of the modelled script `sc`, or -1 when its languages are not
  // told apart by the model (the script alone names them, or nothing does).
  int ScriptIndex(UScriptCode sc) const;
  int ScriptCount() const { return static_cast<int>(scripts_.size()); }
  // The languages of a modelled script ("en", "fr", ...).
  const std::vector<std::string>& Candidates(int script) const { return scripts_[script].languages; }
  // The index of `language` among Candidates(script), or -1.
  int IndexOf(int script, absl::string_view language) const;

  // Adds the costs of `word` (any case; letters of the script, other
  // characters act as word breaks) to `costs`. Thread-safe; results for
  // frequent words are cached per thread.
  // Returns the word's own costs, one per candidate of the script (valid
  // until the next call on this thread).
  const uint16_t* AddWordCosts(int script, absl::string_view word, Costs* costs) const;
  // The same with the word's WordHash, after a Prefetch of it a few words
  // earlier (hides the cache's memory latency).
  const uint16_t* AddWordCosts(int script, absl::string_view word, uint64_t hash, Costs* costs) const;
  static uint64_t WordHash(absl::string_view word);
  void Prefetch(int script, uint64_t hash) const;

  // The candidate with the lowest cost.
  int Best(int script, const Costs& costs) const;

  // Every language of the model's profiles (primary subtags, sorted; Chinese
  // is "zh"), including those of scripts it does not model.
  const std::vector<std::string>& ProfileLanguages() const { return profile_languages_; }

 private:
  LanguageModel();
  struct Script {
    UScriptCode code;
    std::vector<std::string> languages;
    int stride = 0;                 // bytes per row (languages rounded up)
    std::vector<uint8_t> rows;      // while loading: per n-gram, cost per language
    std::vector<uint8_t> absent;    // cost of an unknown n-gram per language
    // n-gram key (8 bytes) followed by its row, per slot; open addressing,
    // power-of-two size.
    std::vector<uint8_t> table;
    size_t slot_bytes = 0;
    uint64_t mask = 0;
  };
  const uint8_t* Row(const Script& s, uint64_t key) const;
  void ComputeWordCosts(const Script& s, absl::string_view word, uint16_t* out) const;

  std::vector<Script> scripts_;
  std::vector<std::string> profile_languages_;
};

}  // namespace rewards

#endif  // REWARDS_LANGUAGE_MODEL_H_
