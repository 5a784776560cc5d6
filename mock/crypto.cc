#include "mock/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace chronapilot {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = uint8_t(data[i]) << 16;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

// `padded`: the input must be a multiple of 4 with '=' padding (standard base64); otherwise no
// '=' may appear (base64url as RFC 7636 uses it). Unused low bits must be zero, so that every
// byte string has exactly one accepted encoding.
std::optional<std::string> Decode(std::string_view text, const char* alphabet, bool padded) {
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[uint8_t(alphabet[i])] = int8_t(i);

  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
  }
  if (text.size() % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = table[uint8_t(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

void FillRandom(unsigned char* out, size_t n) {
  if (n > 0 && RAND_bytes(out, int(n)) != 1) {
    std::fputs("chronapilot-mock: OpenSSL RAND_bytes failed; refusing to continue\n", stderr);
    std::abort();
  }
}

// `prefix` + `chars` base62 characters, each from a byte `next()` returns. 248 = 4 * 62: bytes
// at or above it would bias the low digits, so they are dropped.
template <typename NextByte>
std::string Base62(std::string_view prefix, size_t chars, NextByte next) {
  std::string out;
  out.reserve(prefix.size() + chars);
  out.append(prefix);
  while (out.size() < prefix.size() + chars) {
    const unsigned char b = next();
    if (b < 248) out += kBase62Digits[b % 62];
  }
  return out;
}

// Bumped in a forked child, so that it never hands out the ids its parent's buffers still hold.
std::atomic<uint64_t> fork_generation{0};

// CSPRNG output for ids, drawn 4 KiB at a time: one RAND_bytes call costs about 2 µs, and every
// request and every webhook message takes an id. Only ids use it; see NewId().
class IdBytes {
 public:
  unsigned char Next() {
    const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
    if (next_ == buffer_.size() || generation != generation_) {
      FillRandom(buffer_.data(), buffer_.size());
      next_ = 0;
      generation_ = generation;
    }
    return buffer_[next_++];
  }

 private:
  std::array<unsigned char, 4096> buffer_;
  size_t next_ = buffer_.size();
  uint64_t generation_ = 0;
};

IdBytes& ThreadIdBytes() {
  static const int registered = pthread_atfork(
      nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
  (void)registered;
  thread_local IdBytes bytes;  // thread_local: no lock on the hot path
  return bytes;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  FillRandom(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

std::string RandomBase62(std::string_view prefix, size_t chars) {
  // Straight from RAND_bytes: no secret material waits in a buffer before it is issued.
  std::array<unsigned char, 64> block;
  size_t next = block.size();
  std::string out = Base62(prefix, chars, [&] {
    if (next == block.size()) {
      FillRandom(block.data(), block.size());
      next = 0;
    }
    return block[next++];
  });
  OPENSSL_cleanse(block.data(), block.size());
  return out;
}

std::string NewId(std::string_view prefix) {
  IdBytes& bytes = ThreadIdBytes();
  return Base62(prefix, 16, [&] { return bytes.Next(); });
}

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()), &len);
  out.resize(len);
  return out;
}

std::string Base64Encode(std::string_view data) { return Encode(data, kBase64, true); }
std::string Base64UrlEncode(std::string_view data) { return Encode(data, kBase64Url, false); }
std::optional<std::string> Base64Decode(std::string_view text) {
  return Decode(text, kBase64, true);
}
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return Decode(text, kBase64Url, false);
}

bool SecretEquals(std::string_view given, std::string_view secret) {
  const std::string a = Sha256(given);
  const std::string b = Sha256(secret);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace chronapilot
