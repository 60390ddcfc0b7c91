// Controller history (pkg/controller/history/controller_history.go, v1.32): a controller's
// ControllerRevisions, named PARENT-HASH where HASH is FNV-32 of the revision's data and the
// collision count, labelled controller.kubernetes.io/hash and owned by the parent through a
// controllerRef. The pure helpers, then History, the reads (from the informer's cache) and
// writes (through the clientset) a controller makes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "apimachinery/selectors.h"
#include "client/clientset.h"
#include "client/lister.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::controllers::statefulset {

using k8s::apps::v1::ControllerRevision;
using RevisionPtr = std::shared_ptr<const ControllerRevision>;

inline constexpr char kControllerRevisionHashLabel[] = "controller.kubernetes.io/hash";

// HashControllerRevision: FNV-32 (not 1a) of data.raw, then of the decimal collision count
// when given, printed in decimal and safe-encoded.
std::string HashControllerRevision(const ControllerRevision& revision,
                                   const int32_t* collision_count);
// ControllerRevisionName: PREFIX-HASH, the prefix cut to 223 characters.
std::string ControllerRevisionName(const std::string& prefix, const std::string& hash);
// NewControllerRevision: a revision of `parent` (apps/v1 `kind`) with `template_labels`,
// `data`, `revision`, its name and hash label from the hash.
ControllerRevision NewControllerRevision(
    const k8s::meta::v1::ObjectMeta& parent, const std::string& kind,
    const google::protobuf::Map<std::string, std::string>& template_labels, std::string data,
    int64_t revision, const int32_t* collision_count);
// SortControllerRevisions: by revision number, then creation time, then name (stable).
void SortControllerRevisions(std::vector<RevisionPtr>* revisions);
// EqualRevision: the same data (compared as JSON values, as the apiserver may re-serialize
// it), unless both carry numeric hash labels that differ.
bool EqualRevision(const ControllerRevision& a, const ControllerRevision& b);
// FindEqualRevisions: those of `revisions` equal to `needle`, in order.
std::vector<RevisionPtr> FindEqualRevisions(const std::vector<RevisionPtr>& revisions,
                                            const ControllerRevision& needle);

class History {
 public:
  History(const client::Clientset& clientset, client::Lister<ControllerRevision> lister)
      : clientset_(clientset), lister_(std::move(lister)) {}

  // ListControllerRevisions: those of the parent's namespace matching `selector` that are
  // owned by the parent (by UID) or by no controller.
  std::vector<RevisionPtr> List(const k8s::meta::v1::ObjectMeta& parent,
                                const LabelSelector& selector) const;
  // CreateControllerRevision: creates `revision` named from its hash; when the name is taken
  // by a revision with other data, bumps *collision_count and tries the next name. A
  // revision with the same data already there is returned as is.
  Result<RevisionPtr> Create(const k8s::meta::v1::ObjectMeta& parent,
                             const ControllerRevision& revision, int32_t* collision_count) const;
  // UpdateControllerRevision: sets the revision number (retrying on conflicts).
  Result<RevisionPtr> Update(const ControllerRevision& revision, int64_t new_revision) const;
  Status Delete(const ControllerRevision& revision) const;
  // AdoptControllerRevision: patches a controllerRef to `parent` into an orphan.
  Result<RevisionPtr> Adopt(const k8s::meta::v1::ObjectMeta& parent, const std::string& kind,
                            const ControllerRevision& revision) const;

 private:
  client::TypedClient<ControllerRevision> Client(const std::string& ns) const {
    return clientset_.Resource<ControllerRevision>(ns);
  }

  const client::Clientset& clientset_;
  const client::Lister<ControllerRevision> lister_;
};

}  // namespace pk::controllers::statefulset
