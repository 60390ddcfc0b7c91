#include "scheduler/framework/plugin_status.h"

namespace pk::scheduler {

std::string PluginStatus::Message() const {
  std::string out;
  for (const std::string& r : reasons_) {
    if (!out.empty()) out += ", ";
    out += r;
  }
  return out;
}

}  // namespace pk::scheduler
