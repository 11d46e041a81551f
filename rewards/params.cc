#include "rewards/params.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/utf8.h"

namespace rewards {

using google::protobuf::Value;

ParamSpec ParamSpec::String(std::string name, std::string def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kString;
  s.default_value.set_string_value(std::move(def));
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Number(std::string name, double def, double min, double max,
                            std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kNumber;
  s.default_value.set_number_value(def);
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Bool(std::string name, bool def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kBool;
  s.default_value.set_bool_value(def);
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::Enum(std::string name, std::vector<std::string> choices,
                          std::string def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kEnum;
  s.choices = std::move(choices);
  s.default_value.set_string_value(std::move(def));
  s.doc = std::move(doc);
  return s;
}

ParamSpec ParamSpec::StringList(std::string name, std::vector<std::string> def,
                                std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::kStringList;
  for (auto& v : def) {
    s.default_value.mutable_list_value()->add_values()->set_string_value(std::move(v));
  }
  if (!s.default_value.has_list_value()) s.default_value.mutable_list_value();
  s.doc = std::move(doc);
  return s;
}

std::string ParamSpec::TypeName() const {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBool:
      return "bool";
    case ParamType::kEnum:
      return absl::StrCat("enum(", absl::StrJoin(choices, "|"), ")");
    case ParamType::kStringList:
      return "string_list";
  }
  return "?";
}

std::string ParamSpec::DefaultJson() const {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(default_value, &out);
  return out;
}

namespace {

std::string Describe(const Value& v) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return CleanUtf8(out, 60);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Params> ParseParams(const google::protobuf::Struct& given,
                                   const std::vector<ParamSpec>& specs) {
  Params out;
  for (const auto& [key, value] : given.fields()) {
    bool known = false;
    for (const auto& s : specs) known = known || s.name == key;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown parameter '", key, "' (known: ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
  }
  for (const ParamSpec& spec : specs) {
    Params::Value v;
    v.type = spec.type;
    auto it = given.fields().find(spec.name);
    v.set = it != given.fields().end() &&
            it->second.kind_case() != Value::kNullValue;
    const Value& src = v.set ? it->second : spec.default_value;
    auto bad = [&](absl::string_view want) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter '", spec.name, "' must be ", want, ", got ", Describe(src)));
    };
    switch (spec.type) {
      case ParamType::kString:
        if (src.kind_case() != Value::kStringValue) return bad("a string");
        v.str = src.string_value();
        break;
      case ParamType::kNumber:
        if (src.kind_case() != Value::kNumberValue || !std::isfinite(src.number_value())) {
          return bad("a finite number");
        }
        if (src.number_value() < spec.min || src.number_value() > spec.max) {
          return bad(absl::StrCat("a number in [", spec.min, ", ", spec.max, "]"));
        }
        v.num = src.number_value();
        break;
      case ParamType::kBool:
        if (src.kind_case() != Value::kBoolValue) return bad("true or false");
        v.boolean = src.bool_value();
        break;
      case ParamType::kEnum: {
        std::string s;
        if (src.kind_case() == Value::kStringValue) {
          s = src.string_value();
        } else if (src.kind_case() == Value::kBoolValue && Contains(spec.choices, "true")) {
          s = src.bool_value() ? "true" : "false";
        } else {
          return bad(absl::StrCat("one of ", absl::StrJoin(spec.choices, "|")));
        }
        if (!Contains(spec.choices, s)) {
          return bad(absl::StrCat("one of ", absl::StrJoin(spec.choices, "|")));
        }
        v.str = s;
        break;
      }
      case ParamType::kStringList:
        if (src.kind_case() == Value::kStringValue) {  // a lone string is a list of one
          v.list.push_back(src.string_value());
          break;
        }
        if (src.kind_case() != Value::kListValue) return bad("a list of strings");
        for (const Value& e : src.list_value().values()) {
          if (e.kind_case() != Value::kStringValue) return bad("a list of strings");
          v.list.push_back(e.string_value());
        }
        break;
    }
    out.values_.emplace(spec.name, std::move(v));
  }
  return out;
}

const Params::Value& Params::Get(absl::string_view name, ParamType type) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::fprintf(stderr, "Params: undeclared parameter '%.*s'\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  bool ok = it->second.type == type ||
            (type == ParamType::kString && it->second.type == ParamType::kEnum);
  if (!ok) {
    std::fprintf(stderr, "Params: parameter '%.*s' read with the wrong type\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

const std::string& Params::GetString(absl::string_view name) const {
  return Get(name, ParamType::kString).str;
}
double Params::GetNumber(absl::string_view name) const {
  return Get(name, ParamType::kNumber).num;
}
bool Params::GetBool(absl::string_view name) const {
  return Get(name, ParamType::kBool).boolean;
}
const std::vector<std::string>& Params::GetStringList(absl::string_view name) const {
  return Get(name, ParamType::kStringList).list;
}
bool Params::IsSet(absl::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second.set;
}

}  // namespace rewards
