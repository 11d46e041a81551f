// Tests' GroupResults written in protobuf text format.
#ifndef CLIENT_GROUP_TEXT_H_
#define CLIENT_GROUP_TEXT_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "reward/v1/reward.pb.h"

namespace cli {

inline reward::v1::GroupResult Parse(const std::string& text) {
  reward::v1::GroupResult g;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &g)) << text;
  return g;
}

}  // namespace cli

#endif  // CLIENT_GROUP_TEXT_H_
