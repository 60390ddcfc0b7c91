// The cluster's certificates (DIR/pki), made with the openssl CLI on the first start and
// reused after: a CA, the apiserver's serving certificate (SANs localhost, 127.0.0.1, ::1,
// the host name and the kubernetes service names), and one client certificate per identity
// (CommonName = user, Organizations = groups), as kubeadm lays them out. EC P-256 keys:
// made in milliseconds, unlike RSA.
//
//   auto pki = EnsurePki(dir / "pki", {{"admin", "kubernetes-admin", {"system:masters"}}});
//   pki->cert("admin"), pki->key("admin"), pki->ca()
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "apimachinery/status.h"

namespace pk::cluster {

struct ClientIdentity {
  std::string file;                 // FILE.crt / FILE.key in the pki directory
  std::string user;                 // the certificate's CommonName
  std::vector<std::string> groups;  // its Organizations
};

class Pki {
 public:
  explicit Pki(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path ca() const { return dir_ / "ca.crt"; }
  std::filesystem::path cert(const std::string& file) const { return dir_ / (file + ".crt"); }
  std::filesystem::path key(const std::string& file) const { return dir_ / (file + ".key"); }

 private:
  std::filesystem::path dir_;
};

// The server's certificate files are "apiserver". Makes what is missing (the certificates
// of one start run in parallel); an error carries openssl's own message.
Result<Pki> EnsurePki(const std::filesystem::path& dir,
                      const std::vector<ClientIdentity>& identities);

}  // namespace pk::cluster
