#include "client/clientset.h"

#include <cstdlib>

#include "apimachinery/log.h"

namespace pk::client {

Clientset::Clientset(std::shared_ptr<grpc::Channel> channel, std::string bearer_token,
                     std::chrono::milliseconds timeout)
    : connection_(
          std::make_shared<Connection>(std::move(channel), std::move(bearer_token), timeout)) {}

ResourceClient Clientset::ForMessage(const google::protobuf::Descriptor* type,
                                     const std::string& ns) const {
  const ResourceType* resource = Scheme::Builtin().FindByMessage(type);
  if (resource == nullptr) {
    // A programming error (the message is not a resource), not a runtime condition.
    pk::Logf("pk::client: %s is not a resource of the scheme\n", type->full_name().c_str());
    std::abort();
  }
  return ResourceClient(connection_, resource, ns);
}

}  // namespace pk::client
