// The self-signed certificate of `--tls` (SPEC CLI-2): an EC P-256 key and a certificate for
// localhost, 127.0.0.1 and ::1, made at start with OpenSSL and written (certificate only) to a
// file so that clients can trust it (`curl --cacert PATH`).
//
// Thread safety: a value owned by main; not shared.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "mock/status.h"

namespace chronapilot {

struct SelfSignedCertificate {
  std::unique_ptr<X509, void (*)(X509*)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key{nullptr, EVP_PKEY_free};
  std::string pem;  // the certificate, PEM-encoded
};

StatusOr<SelfSignedCertificate> MakeSelfSignedCertificate();

// Writes `pem` to a new private directory under $TMPDIR (or /tmp); returns the file's path.
StatusOr<std::string> WriteCertificateFile(const std::string& pem);

}  // namespace chronapilot
