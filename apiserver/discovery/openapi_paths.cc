// The REST operations of a group/version, named and tagged the way the Kubernetes apiserver
// names them (operationId "patchCoreV1NamespacedPodStatus", tag "core_v1"), for both OpenAPI
// documents. Watch paths (deprecated /watch/...) are left out.
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cctype>

#include "apiserver/discovery/internal.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::discovery::internal {
namespace {

using google::protobuf::Descriptor;

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "rbac.authorization.k8s.io" -> {"rbac", "authorization"}; "" -> {"core"}.
std::vector<std::string> GroupWords(const std::string& group) {
  std::string g = group.empty() ? "core" : group;
  if (g.ends_with(".k8s.io")) g.resize(g.size() - 7);
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= g.size()) {
    size_t dot = g.find('.', start);
    if (dot == std::string::npos) dot = g.size();
    words.push_back(g.substr(start, dot - start));
    start = dot + 1;
  }
  return words;
}

// "RbacAuthorizationV1" for operation ids.
std::string GroupVersionId(const GroupVersion& gv) {
  std::string out;
  for (const auto& w : GroupWords(gv.group)) out += Capitalize(w);
  return out + Capitalize(gv.version);
}

// "rbacAuthorization_v1" for tags.
std::string GroupVersionTag(const GroupVersion& gv) {
  auto words = GroupWords(gv.group);
  std::string out = words[0];
  for (size_t i = 1; i < words.size(); ++i) out += Capitalize(words[i]);
  return out + "_" + gv.version;
}

// The message of a subresource's kind: a resource's, or a registered kind found by the proto
// package convention (autoscaling/v1 Scale -> k8s.autoscaling.v1.Scale); nullptr when the
// kind has no message (PodExecOptions: exec streams are not JSON).
const Descriptor* DescriptorOf(const GroupVersionKind& kind) {
  const Scheme& scheme = Scheme::Builtin();
  if (const ResourceType* t = scheme.FindByKind(kind)) return t->prototype->GetDescriptor();
  std::string package = GroupWords(kind.group)[0];
  const Descriptor* d = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      "k8s." + package + "." + kind.version + "." + kind.kind);
  if (d == nullptr || scheme.KindOf(d) != kind) return nullptr;
  return d;
}

struct VerbRow {
  const char* verb;
  const char* method;
  const char* action;
  const char* id_prefix;
  bool on_item;
};

// Verb -> HTTP method, x-kubernetes-action and operationId prefix.
const std::vector<VerbRow>& VerbRows() {
  static const std::vector<VerbRow> rows = {
      {"list", "get", "list", "list", false},
      {"create", "post", "post", "create", false},
      {"deletecollection", "delete", "deletecollection", "deleteCollection", false},
      {"get", "get", "get", "read", true},
      {"update", "put", "put", "replace", true},
      {"patch", "patch", "patch", "patch", true},
      {"delete", "delete", "delete", "delete", true},
  };
  return rows;
}

bool Has(const std::vector<std::string>& verbs, const char* verb) {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

struct Builder {
  const GroupVersion& gv;
  std::map<std::string, std::vector<Operation>> ops;

  Operation Base(const ServedResource& r, const std::string& path) const {
    Operation op;
    op.path = path;
    op.tag = GroupVersionTag(gv);
    op.kind = r.type->kind;
    op.object = r.type->prototype->GetDescriptor();
    op.namespaced = r.type->namespaced;
    return op;
  }

  void AddResource(const ServedResource& r) {
    std::string collection =
        gv.url() + (r.type->namespaced ? "/namespaces/{namespace}/" : "/") + r.type->resource;
    std::string scope = r.type->namespaced ? "Namespaced" : "";
    std::string id_suffix = GroupVersionId(gv) + scope + r.type->kind.kind;
    for (const VerbRow& row : VerbRows()) {
      if (!Has(r.verbs, row.verb)) continue;
      Operation op = Base(r, row.on_item ? collection + "/{name}" : collection);
      op.method = row.method;
      op.action = row.action;
      op.id = row.id_prefix + id_suffix;
      op.named = row.on_item;
      op.list_response = op.action == "list";
      op.status_response = op.action == "deletecollection";
      op.description = std::string(row.action) + " " + r.type->kind.kind;
      ops[op.path].push_back(std::move(op));
    }
    if (r.type->namespaced && Has(r.verbs, "list")) AddListAll(r);
    for (const auto& sub : r.subresources)
      AddSubresource(r, sub, collection + "/{name}", id_suffix);
  }

  // GET /apis/G/V/RESOURCE: the list across namespaces.
  void AddListAll(const ServedResource& r) {
    Operation op = Base(r, gv.url() + "/" + r.type->resource);
    op.method = "get";
    op.action = "list";
    op.id = "list" + GroupVersionId(gv) + r.type->kind.kind + "ForAllNamespaces";
    op.namespaced = false;
    op.list_response = true;
    op.description = "list " + r.type->kind.kind + " across namespaces";
    ops[op.path].push_back(std::move(op));
  }

  void AddSubresource(const ServedResource& r, const ServedSubresource& sub,
                      const std::string& item, const std::string& id_suffix) {
    for (const VerbRow& row : VerbRows()) {
      if (!Has(sub.verbs, row.verb)) continue;
      Operation op = Base(r, item + "/" + sub.name);
      op.method = row.method;
      op.action = sub.name == "exec" ? "connect" : row.action;
      op.id = (sub.name == "exec" ? std::string("connect") + Capitalize(row.method)
                                  : std::string(row.id_prefix)) +
              id_suffix + Capitalize(sub.name);
      op.kind = sub.kind;
      op.object = sub.name == "log" ? nullptr : DescriptorOf(sub.kind);
      op.named = true;
      op.description = std::string(row.action) + " " + sub.name + " of the " + r.type->kind.kind;
      ops[op.path].push_back(std::move(op));
    }
  }
};

const std::vector<Parameter>& ListParameters() {
  static const std::vector<Parameter> params = {
      {"allowWatchBookmarks", "boolean", "Requests watch events with type BOOKMARK."},
      {"continue", "string", "The continue token of a previous, limited list."},
      {"fieldSelector", "string", "Restricts the list by the objects' fields."},
      {"labelSelector", "string", "Restricts the list by the objects' labels."},
      {"limit", "integer", "The maximum number of objects to return."},
      {"resourceVersion", "string", "The resource version to list or watch from."},
      {"resourceVersionMatch", "string", "How resourceVersion applies to the list."},
      {"timeoutSeconds", "integer", "Timeout for the list or watch call."},
      {"watch", "boolean", "Watch for changes and return them as a stream of events."},
  };
  return params;
}

const std::vector<Parameter>& WriteParameters() {
  static const std::vector<Parameter> params = {
      {"dryRun", "string", "When present (All), modifications are not persisted."},
      {"fieldManager", "string", "The name of the actor making the change."},
      {"fieldValidation", "string",
       "How to handle unknown or duplicate fields in the request: Ignore, Warn or Strict."},
  };
  return params;
}

const std::vector<Parameter>& DeleteParameters() {
  static const std::vector<Parameter> params = {
      {"dryRun", "string", "When present (All), modifications are not persisted."},
      {"gracePeriodSeconds", "integer", "The duration in seconds before the object is deleted."},
      {"propagationPolicy", "string", "Orphan, Background or Foreground garbage collection."},
  };
  return params;
}

const std::vector<Parameter>& LogParameters() {
  static const std::vector<Parameter> params = {
      {"container", "string", "The container for which to stream logs."},
      {"follow", "boolean", "Follow the log stream of the pod."},
      {"limitBytes", "integer", "The number of bytes to read before terminating."},
      {"previous", "boolean", "Return the logs of the previous container instance."},
      {"sinceSeconds", "integer", "Only logs newer than this many seconds."},
      {"tailLines", "integer", "The number of lines from the end of the logs to show."},
      {"timestamps", "boolean", "Prefix every line with an RFC 3339 timestamp."},
  };
  return params;
}

const std::vector<Parameter>& ExecParameters() {
  static const std::vector<Parameter> params = {
      {"command", "string", "The command to run, one argument per parameter."},
      {"container", "string", "The container in which to run the command."},
      {"stderr", "boolean", "Redirect the standard error stream."},
      {"stdin", "boolean", "Redirect the standard input stream."},
      {"stdout", "boolean", "Redirect the standard output stream."},
      {"tty", "boolean", "Allocate a terminal."},
  };
  return params;
}

}  // namespace

std::vector<PathParameter> PathParametersOf(const Operation& op) {
  std::vector<PathParameter> out;
  if (op.named) out.push_back({{"name", "string", "name of the object"}, "path", true});
  if (op.namespaced) {
    out.push_back(
        {{"namespace", "string", "object name and auth scope, such as for teams and projects"},
         "path",
         true});
  }
  out.push_back(
      {{"pretty", "string", "If 'true', then the output is pretty printed."}, "query", false});
  return out;
}

std::vector<Parameter> QueryParameters(const Operation& op) {
  std::vector<Parameter> out;
  auto append = [&](const std::vector<Parameter>& more) {
    out.insert(out.end(), more.begin(), more.end());
  };
  if (op.path.ends_with("/log")) {
    append(LogParameters());
  } else if (op.path.ends_with("/exec")) {
    append(ExecParameters());
  } else if (op.action == "list") {
    append(ListParameters());
  } else if (op.action == "post" || op.action == "put" || op.action == "patch") {
    append(WriteParameters());
    // `force` only means something to server-side apply, a PATCH.
    if (op.action == "patch") out.push_back({"force", "boolean", "Force an apply patch."});
  } else if (op.action == "delete" || op.action == "deletecollection") {
    append(DeleteParameters());
    if (op.action == "deletecollection") append(ListParameters());
  }
  return out;
}

std::map<std::string, std::vector<Operation>> OperationsOf(const GroupVersion& gv) {
  Builder builder{gv, {}};
  for (const ServedResource* r : gv.resources) builder.AddResource(*r);
  return std::move(builder.ops);
}

Json ResponseSchemaOf(const Operation& op, SchemaGenerator* schemas) {
  if (op.status_response) return schemas->Ref(schemas->Add(k8s::meta::v1::Status::descriptor()));
  if (op.object == nullptr) return Json{{"type", "string"}};
  if (op.list_response) {
    return schemas->Ref(schemas->AddList(*Scheme::Builtin().FindByKind(op.kind)));
  }
  return schemas->Ref(schemas->Add(op.object));
}

}  // namespace pk::discovery::internal
