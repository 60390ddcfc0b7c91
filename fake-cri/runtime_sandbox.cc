// Sandboxes and their pod IPs.
#include <arpa/inet.h>
#include <fmt/format.h>

#include "fake-cri/runtime_impl.h"

namespace pk::fakecri {
namespace {

struct Cidr {
  uint32_t base = 0;  // host order, masked
  int bits = 0;
};

Result<Cidr> ParseCidr(const std::string& text) {
  size_t slash = text.find('/');
  in_addr addr{};
  int bits = -1;
  if (slash != std::string::npos) {
    try {
      size_t used = 0;
      bits = std::stoi(text.substr(slash + 1), &used);
      if (used != text.size() - slash - 1) bits = -1;
    } catch (...) {
    }
  }
  if (bits < 8 || bits > 30 || inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1) {
    return Status::BadRequest("invalid pod CIDR \"" + text +
                              "\": want an IPv4 range from /8 to /30 such as 10.244.1.0/24");
  }
  uint32_t mask = ~uint32_t{0} << (32 - bits);
  return Cidr{ntohl(addr.s_addr) & mask, bits};
}

}  // namespace

// The lowest free host address, from .2 (.1 is the node's bridge) to the last but one.
Result<std::string> Runtime::Impl::AllocateIp(const std::string& cidr_text) {
  Result<Cidr> cidr = ParseCidr(cidr_text);
  if (!cidr.ok()) return cidr.take_status();
  std::set<uint32_t>& used = used_ips[cidr_text];
  uint32_t hosts = (uint32_t{1} << (32 - cidr->bits)) - 1;
  for (uint32_t host = 2; host < hosts; ++host) {
    if (used.insert(host).second) {
      uint32_t ip = cidr->base + host;
      return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    }
  }
  return Status(Reason::kTooManyRequests,
                "failed to allocate a pod IP: range " + cidr_text + " is full");
}

void Runtime::Impl::ReleaseIp(const SandboxRecord& sandbox) {
  Result<Cidr> cidr = ParseCidr(sandbox.cidr);
  in_addr addr{};
  if (!cidr.ok() || inet_pton(AF_INET, sandbox.status.network().ip().c_str(), &addr) != 1) return;
  used_ips[sandbox.cidr].erase(ntohl(addr.s_addr) - cidr->base);
}

Result<std::string> Runtime::RunPodSandbox(const cri::PodSandboxConfig& config,
                                           const std::string& runtime_handler) {
  Impl::Locked lock(*impl_);
  const auto& m = config.metadata();
  if (m.name().empty() || m.namespace_().empty() || m.uid().empty()) {
    return Status::BadRequest("sandbox metadata needs name, namespace and uid");
  }
  SandboxRecord sandbox;
  sandbox.cidr = config.pod_cidr().empty() ? impl_->default_cidr : config.pod_cidr();
  Result<std::string> ip = impl_->AllocateIp(sandbox.cidr);
  if (!ip.ok()) return ip.take_status();
  std::string id = impl_->NextId("sandbox");
  sandbox.config = config;
  cri::PodSandboxStatus& s = sandbox.status;
  s.set_id(id);
  *s.mutable_metadata() = m;
  s.set_state(cri::SANDBOX_READY);
  s.set_created_at(impl_->WallNanos());
  s.mutable_network()->set_ip(*ip);
  *s.mutable_labels() = config.labels();
  *s.mutable_annotations() = config.annotations();
  s.set_runtime_handler(runtime_handler);
  impl_->sandboxes_by_pod.Add(s.labels(), id);
  impl_->sandboxes[id] = std::move(sandbox);
  return id;
}

Status Runtime::StopPodSandbox(const std::string& id) {
  Impl::Locked lock(*impl_);
  auto it = impl_->sandboxes.find(id);
  if (it == impl_->sandboxes.end()) return Status::OK();
  for (auto& [cid, c] : impl_->containers) {
    if (c.sandbox_id == id && c.status.state() == cri::CONTAINER_RUNNING) {
      impl_->Finish(c, 137, "Error", "killed: the pod sandbox was stopped");
    }
  }
  it->second.status.set_state(cri::SANDBOX_NOTREADY);
  return Status::OK();
}

Status Runtime::RemovePodSandbox(const std::string& id) {
  Impl::Locked lock(*impl_);
  auto it = impl_->sandboxes.find(id);
  if (it == impl_->sandboxes.end()) return Status::OK();
  std::vector<std::string> members;
  for (const auto& [cid, c] : impl_->containers) {
    if (c.sandbox_id == id) members.push_back(cid);
  }
  for (const std::string& cid : members) impl_->Remove(cid);
  impl_->ReleaseIp(it->second);
  impl_->sandboxes_by_pod.Remove(it->second.status.labels(), id);
  impl_->sandboxes.erase(it);
  return Status::OK();
}

Result<cri::PodSandboxStatus> Runtime::PodSandboxStatus(const std::string& id) {
  Impl::Locked lock(*impl_);
  auto it = impl_->sandboxes.find(id);
  if (it == impl_->sandboxes.end()) {
    return Status(Reason::kNotFound, "pod sandbox \"" + id + "\" not found");
  }
  return it->second.status;
}

namespace {

template <class Map>
bool LabelsMatch(const Map& selector, const Map& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

// Calls f(id, record) for the records of `all`, in id order, whose labels match `selector`
// (only those `index` offers when it can narrow the search).
template <class Record, class F>
void ForEachMatching(const std::map<std::string, Record>& all, const LabelIndex& index,
                     const LabelIndex::Labels& selector, F f) {
  auto visit = [&](const std::string& id, const Record& record) {
    if (LabelsMatch(selector, record.status.labels())) f(id, record);
  };
  const std::set<std::string>* candidates = index.Candidates(selector);
  if (candidates == nullptr) {
    for (const auto& [id, record] : all) visit(id, record);
    return;
  }
  for (const std::string& id : *candidates) {
    auto it = all.find(id);
    if (it != all.end()) visit(id, it->second);
  }
}

}  // namespace

void LabelIndex::Add(const Labels& labels, const std::string& id) {
  auto it = labels.find(kLabel);
  if (it != labels.end()) ids_[it->second].insert(id);
}

void LabelIndex::Remove(const Labels& labels, const std::string& id) {
  auto it = labels.find(kLabel);
  if (it == labels.end()) return;
  auto ids = ids_.find(it->second);
  if (ids == ids_.end()) return;
  ids->second.erase(id);
  if (ids->second.empty()) ids_.erase(ids);
}

const std::set<std::string>* LabelIndex::Candidates(const Labels& selector) const {
  static const std::set<std::string> kNone;
  auto it = selector.find(kLabel);
  if (it == selector.end()) return nullptr;
  auto ids = ids_.find(it->second);
  return ids == ids_.end() ? &kNone : &ids->second;
}

std::vector<cri::PodSandbox> Runtime::ListPodSandbox(const cri::PodSandboxFilter& filter) {
  Impl::Locked lock(*impl_);
  std::vector<cri::PodSandbox> out;
  ForEachMatching(impl_->sandboxes, impl_->sandboxes_by_pod, filter.label_selector(),
                  [&](const std::string& id, const SandboxRecord& sandbox) {
                    const cri::PodSandboxStatus& s = sandbox.status;
                    if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) return;
                    if (filter.has_state() && filter.state().state() != s.state()) return;
                    cri::PodSandbox& p = out.emplace_back();
                    p.set_id(id);
                    *p.mutable_metadata() = s.metadata();
                    p.set_state(s.state());
                    p.set_created_at(s.created_at());
                    *p.mutable_labels() = s.labels();
                    *p.mutable_annotations() = s.annotations();
                    p.set_runtime_handler(s.runtime_handler());
                  });
  return out;
}

Status Runtime::UpdateRuntimeConfig(const std::string& pod_cidr) {
  Impl::Locked lock(*impl_);
  if (pod_cidr.empty()) return Status::OK();
  Result<Cidr> cidr = ParseCidr(pod_cidr);
  if (!cidr.ok()) return cidr.take_status();
  impl_->default_cidr = pod_cidr;
  return Status::OK();
}

std::vector<cri::Container> Runtime::ListContainers(const cri::ContainerFilter& filter) {
  Impl::Locked lock(*impl_);
  std::vector<cri::Container> out;
  ForEachMatching(
      impl_->containers, impl_->containers_by_pod, filter.label_selector(),
      [&](const std::string& id, const ContainerRecord& c) {
        const cri::ContainerStatus& s = c.status;
        if (!filter.id().empty() && id.rfind(filter.id(), 0) != 0) return;
        if (filter.has_state() && filter.state().state() != s.state()) return;
        if (!filter.pod_sandbox_id().empty() && c.sandbox_id.rfind(filter.pod_sandbox_id(), 0) != 0)
          return;
        cri::Container& out_c = out.emplace_back();
        out_c.set_id(id);
        out_c.set_pod_sandbox_id(c.sandbox_id);
        *out_c.mutable_metadata() = s.metadata();
        *out_c.mutable_image() = s.image();
        out_c.set_image_ref(s.image_ref());
        out_c.set_state(s.state());
        out_c.set_created_at(s.created_at());
        *out_c.mutable_labels() = s.labels();
        *out_c.mutable_annotations() = s.annotations();
      });
  return out;
}

}  // namespace pk::fakecri
