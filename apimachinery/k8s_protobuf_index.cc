#include "apimachinery/k8s_protobuf_index.h"

#include <fmt/format.h>

#include <set>

namespace pk::k8s_protobuf {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;

namespace {

// Our field called `name` in Kubernetes' spelling: its json_name, or its proto name for the
// few entries that name our field directly.
const FieldDescriptor* FindField(const Descriptor* type, std::string_view name) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->json_name() == name || f->name() == name) return f;
  }
  return nullptr;
}

}  // namespace

const Index& Index::Get() {
  static const Index* index = new Index();
  return *index;
}

Index::Index() {
  for (auto group : {MetaTables(), CoreTables(), PodTables(), GroupTables()}) {
    for (const Table& table : group) {
      if (!tables_.emplace(table.message, &table).second)
        problems_.push_back(fmt::format("{}: listed twice", table.message));
    }
  }
  // Tables only ever embedded (ProbeHandler, VolumeSource...) have no message of ours.
  std::set<std::string_view> inline_only;
  for (const auto& [name, table] : tables_) {
    for (const Field& field : table->fields)
      if (field.inline_table != nullptr) inline_only.insert(field.inline_table);
  }
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const auto& [name, table] : tables_) {
    const Descriptor* type = pool->FindMessageTypeByName(std::string(name));
    if (type != nullptr) {
      by_type_[type] = Resolve(*table, type);
    } else if (!inline_only.count(name)) {
      problems_.push_back(fmt::format("{}: no such message in proto/", name));
    }
  }
}

// The fields of `table` as fields of our `type` (the table's own message, or for an inline
// table the message that embeds it). Memoized per (table, type).
const Resolved* Index::Resolve(const Table& table, const Descriptor* type) {
  auto& slot = resolved_[{table.message, type}];
  if (slot) return slot.get();
  slot = std::make_unique<Resolved>();
  Resolved* out = slot.get();
  out->type = type;
  for (const Field& field : table.fields) {
    Target target;
    if (field.inline_table != nullptr) {
      auto it = tables_.find(field.inline_table);
      if (it == tables_.end()) {
        problems_.push_back(
            fmt::format("{}: no inline table {}", table.message, field.inline_table));
        continue;
      }
      target.inline_fields = Resolve(*it->second, type);
    } else {
      target.field = FindField(type, field.name);
      if (target.field == nullptr) {
        problems_.push_back(
            fmt::format("{} (in {}): no field {}", table.message, type->full_name(), field.name));
        continue;
      }
    }
    if (!out->fields.emplace(field.number, target).second)
      problems_.push_back(fmt::format("{}: number {} listed twice", table.message, field.number));
  }
  ResolveMapEntries(type);
  return out;
}

// Map entries are messages {1: key, 2: value} in both encodings: they map to themselves.
void Index::ResolveMapEntries(const Descriptor* type) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (!f->is_map() || by_type_.count(f->message_type())) continue;
    const Descriptor* entry = f->message_type();
    auto& slot = resolved_[{entry->full_name(), entry}];
    slot = std::make_unique<Resolved>();
    slot->type = entry;
    slot->fields[1].field = entry->map_key();
    slot->fields[2].field = entry->map_value();
    by_type_[entry] = slot.get();
  }
}

const Resolved* Index::For(const Descriptor* type) const {
  auto it = by_type_.find(type);
  return it == by_type_.end() ? nullptr : it->second;
}

}  // namespace pk::k8s_protobuf
