#include "mock/tls.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "mock/crypto.h"

namespace chronapilot {
namespace {

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

StatusOr<SelfSignedCertificate> MakeSelfSignedCertificate() {
  SelfSignedCertificate out;
  // P-256: generated in well under a millisecond, unlike RSA, so --tls keeps start-up fast.
  out.key.reset(EVP_EC_gen("P-256"));
  if (!out.key) return Status::Internal("could not generate the TLS key");
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  const std::string serial = RandomBytes(16);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 15, nullptr);
  const bool ok = bn && X509_set_version(cert, 2) == 1 &&
                  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr &&
                  X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400) != nullptr &&
                  X509_set_pubkey(cert, out.key.get()) == 1 &&
                  X509_NAME_add_entry_by_txt(
                      X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                      reinterpret_cast<const unsigned char*>("chronapilot-mock"), -1, -1, 0) == 1 &&
                  X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1 &&
                  AddExtension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") &&
                  AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
                  AddExtension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
                  X509_sign(cert, out.key.get(), EVP_sha256()) > 0;
  BN_free(bn);
  if (!ok) return Status::Internal("could not make the self-signed TLS certificate");

  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  out.pem.assign(data, size_t(len));
  BIO_free(bio);
  return out;
}

StatusOr<std::string> WriteCertificateFile(const std::string& pem) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/chronapilot-mock-XXXXXX";
  if (!mkdtemp(dir.data()))
    return Status::Internal("cannot create a directory for the certificate");
  const std::string path = dir + "/cert.pem";
  std::ofstream out(path);
  out << pem;
  if (!out) return Status::Internal("cannot write " + path);
  return path;
}

}  // namespace chronapilot
