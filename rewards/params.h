// Verifier parameters: declared once (name, type, default, doc) and used to
// validate each request's `params`, to answer ListVerifiers, and to write
// README's verifier table.
//
//   const std::vector<ParamSpec> kSpecs = {
//       ParamSpec::Enum("mode", {"strict", "tag_count"}, "strict", "How to score."),
//       ParamSpec::String("pattern", "", "Custom RE2 pattern."),
//   };
//   absl::StatusOr<Params> p = ParseParams(request_struct, kSpecs);
//   p->GetString("mode");  // "strict" unless the request set it
#ifndef REWARDS_PARAMS_H_
#define REWARDS_PARAMS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace rewards {

enum class ParamType { kString, kNumber, kBool, kEnum, kStringList };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  // The default as a protobuf Value (what an absent parameter reads as).
  google::protobuf::Value default_value;
  std::string doc;
  // kEnum: the allowed values. If it holds "true" and "false", JSON booleans
  // are accepted too.
  std::vector<std::string> choices;
  // kNumber: inclusive bounds.
  double min = -1e300;
  double max = 1e300;

  static ParamSpec String(std::string name, std::string def, std::string doc);
  static ParamSpec Number(std::string name, double def, double min, double max,
                          std::string doc);
  static ParamSpec Bool(std::string name, bool def, std::string doc);
  static ParamSpec Enum(std::string name, std::vector<std::string> choices,
                        std::string def, std::string doc);
  static ParamSpec StringList(std::string name, std::vector<std::string> def,
                              std::string doc);

  // "string", "number", "bool", "enum(a|b)", "string_list".
  std::string TypeName() const;
  // The default as JSON text, e.g. "\"strict\"", "0.5", "[\"a\",\"b\"]".
  std::string DefaultJson() const;
};

// Typed parameter values after validation; every declared parameter has a
// value (the request's or the default). Getters on an undeclared name or of
// the wrong type are programming errors and abort.
class Params {
 public:
  const std::string& GetString(absl::string_view name) const;  // kString, kEnum
  double GetNumber(absl::string_view name) const;
  bool GetBool(absl::string_view name) const;
  const std::vector<std::string>& GetStringList(absl::string_view name) const;
  // True when the request set the parameter explicitly.
  bool IsSet(absl::string_view name) const;

 private:
  friend absl::StatusOr<Params> ParseParams(const google::protobuf::Struct&,
                                            const std::vector<ParamSpec>&);
  struct Value {
    ParamType type;
    std::string str;
    double num = 0;
    bool boolean = false;
    std::vector<std::string> list;
    bool set = false;
  };
  const Value& Get(absl::string_view name, ParamType type) const;
  std::map<std::string, Value, std::less<>> values_;
};

// Validates `given` against `specs`. Errors are InvalidArgument naming the
// parameter: unknown ("unknown parameter 'x' (known: a, b)"), ill-typed
// ("parameter 'mode' must be one of strict|tag_count, got \"foo\"").
absl::StatusOr<Params> ParseParams(const google::protobuf::Struct& given,
                                   const std::vector<ParamSpec>& specs);

}  // namespace rewards

#endif  // REWARDS_PARAMS_H_
