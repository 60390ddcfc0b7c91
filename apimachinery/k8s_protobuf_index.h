// The tables of k8s_protobuf_tables.h resolved against our descriptors: for each message of
// ours, Kubernetes field number -> our FieldDescriptor (or an inline table). Internal to
// k8s_protobuf.cc and its test.
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/k8s_protobuf_tables.h"

namespace pk::k8s_protobuf {

struct Resolved;

// What one Kubernetes field number of a message becomes: one of our fields, or (a Go
// embedded struct) a nested Kubernetes message whose fields are fields of the same message.
struct Target {
  const google::protobuf::FieldDescriptor* field = nullptr;
  const Resolved* inline_fields = nullptr;
};

struct Resolved {
  const google::protobuf::Descriptor* type = nullptr;  // our message
  std::map<uint32_t, Target> fields;
  // nullptr for a number we do not know.
  const Target* Find(uint32_t number) const {
    auto it = fields.find(number);
    return it == fields.end() ? nullptr : &it->second;
  }
};

class Index {
 public:
  // Built from every table on first use; immutable afterwards.
  static const Index& Get();

  // The fields of our message `type` (map entries included: key=1, value=2 on both sides);
  // nullptr when we do not know its Kubernetes field numbers.
  const Resolved* For(const google::protobuf::Descriptor* type) const;

  // Table entries that do not resolve (a name our message lacks, an unknown message or
  // inline table, a number listed twice). Empty when the data is right; the test checks it.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  Index();
  const Resolved* Resolve(const Table& table, const google::protobuf::Descriptor* type);
  void ResolveMapEntries(const google::protobuf::Descriptor* type);

  std::map<std::string_view, const Table*> tables_;
  std::map<std::pair<std::string_view, const google::protobuf::Descriptor*>,
           std::unique_ptr<Resolved>>
      resolved_;
  std::map<const google::protobuf::Descriptor*, const Resolved*> by_type_;
  std::vector<std::string> problems_;
};

}  // namespace pk::k8s_protobuf
