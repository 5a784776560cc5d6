// mock/crypto.h: base64 flavours against RFC 4648 §10, SHA-256 / HMAC-SHA256 against published
// vectors, the PKCE S256 challenge of RFC 7636 Appendix B, and the shape, entropy and spread of
// the ids and secrets CONV-2 asks for.
#include "mock/crypto.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace chronapilot {
namespace {

constexpr char kBase62Alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string Hex(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool IsBase62(const std::string& s) {
  return s.find_first_not_of(kBase62Alphabet) == std::string::npos;
}

// The bits of entropy `chars` uniformly drawn base62 characters carry.
double Base62Bits(size_t chars) { return double(chars) * std::log2(62.0); }

// RFC 4648 §10 test vectors: {data, standard padded encoding, base64url without padding}.
struct Vector {
  const char* data;
  const char* base64;
  const char* base64url;
};
constexpr Vector kRfc4648Vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64Encode(v.data), v.base64) << "data \"" << v.data << "\"";
  }
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const Vector& v : kRfc4648Vectors) {
    auto decoded = Base64Decode(v.base64);
    ASSERT_TRUE(decoded.has_value()) << v.base64;
    EXPECT_EQ(*decoded, v.data);
  }
}

TEST(Base64, UsesPlusAndSlashForTheLastTwoDigits) {
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Decode("+/8="), std::string("\xfb\xff"));
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  for (size_t len = 0; len <= all.size(); ++len) {
    const std::string data = all.substr(all.size() - len);
    EXPECT_EQ(Base64Decode(Base64Encode(data)), data);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(data)), data);
  }
}

TEST(Base64, DecodeRefusesMissingOrWrongPadding) {
  for (const char* text : {"Zg", "Zg=", "Zm8", "Zm9vYg",
                           "Zg===", "Z===", "====", "Zm9v====", "Zg==Zg==", "=Zg=", "Z=g="}) {
    EXPECT_FALSE(Base64Decode(text).has_value()) << '"' << text << '"';
  }
}

TEST(Base64, DecodeRefusesCharactersOutsideTheAlphabet) {
  for (const char* text :
       {"Zm9v\n", "Zm9v Zg==", " Zm9v", "Zm-v", "Zm_v", "Zm9v\r\n", "Zm.v", "Zm9\xff"}) {
    EXPECT_FALSE(Base64Decode(text).has_value()) << '"' << text << '"';
  }
  // The embedded NUL needs an explicit length.
  EXPECT_FALSE(Base64Decode(std::string("Zm9\0", 4)).has_value());
}

TEST(Base64, DecodeRefusesNonCanonicalTrailingBits) {
  // "Zg==" is the only encoding of "f": 'g' = 100000 leaves 4 zero bits; 'h' sets one of them.
  EXPECT_FALSE(Base64Decode("Zh==").has_value());
  EXPECT_FALSE(Base64Decode("Zm9=").has_value());  // canonical: "Zm8="
  EXPECT_FALSE(Base64Decode("Zm==").has_value());
  EXPECT_FALSE(Base64Decode("AB==").has_value());
  EXPECT_EQ(Base64Decode("AA=="), std::string(1, '\0'));
  EXPECT_EQ(Base64Decode("AAA="), std::string(2, '\0'));
}

TEST(Base64Url, EncodesWithoutPadding) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64UrlEncode(v.data), v.base64url) << "data \"" << v.data << "\"";
  }
}

TEST(Base64Url, UsesMinusAndUnderscoreForTheLastTwoDigits) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, DecodesUnpaddedVectors) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64UrlDecode(v.base64url), std::string(v.data)) << v.base64url;
  }
}

TEST(Base64Url, DecodeRefusesPaddingAndStandardAlphabet) {
  for (const char* text : {"Zg==", "Zm8=", "Zm+v", "Zm/v", "Zm9vY", "Zh", "Zm9", "Zm 9v"}) {
    EXPECT_FALSE(Base64UrlDecode(text).has_value()) << '"' << text << '"';
  }
}

TEST(Sha256, HashesAbc) {
  // FIPS 180-2 Appendix B.1.
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HashesTheEmptyString) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, MatchesRfc4231TestCase1) {
  EXPECT_EQ(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(S256Challenge, MatchesRfc7636AppendixB) {
  EXPECT_EQ(S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(S256Challenge, Is43Base64UrlCharacters) {
  const std::string challenge = S256Challenge("any verifier at all");
  EXPECT_EQ(challenge.size(), 43u);
  EXPECT_EQ(challenge.find_first_of("+/="), std::string::npos);
}

TEST(RandomBytes, ReturnsTheRequestedLength) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

// CONV-2
TEST(NewId, IsPrefixPlusAtLeast64BitsOfBase62) {
  const std::string id = NewId("evt_");
  ASSERT_EQ(id.rfind("evt_", 0), 0u) << id;
  const std::string rest = id.substr(4);
  EXPECT_TRUE(IsBase62(rest)) << id;
  EXPECT_EQ(rest.size(), 16u);
  EXPECT_GE(Base62Bits(rest.size()), 64.0);
}

// CONV-2
TEST(NewSecret, IsPrefixPlusAtLeast128BitsOfBase62) {
  const std::string secret = NewSecret("cat_");
  ASSERT_EQ(secret.rfind("cat_", 0), 0u) << secret;
  const std::string rest = secret.substr(4);
  EXPECT_TRUE(IsBase62(rest)) << secret;
  EXPECT_EQ(rest.size(), 24u);
  EXPECT_GE(Base62Bits(rest.size()), 128.0);
}

// CONV-2
TEST(NewSecret, KeepsLongPrefixesIntact) {
  const std::string key = NewSecret("sk_test_");
  EXPECT_EQ(key.rfind("sk_test_", 0), 0u);
  EXPECT_EQ(key.size(), 8u + 24u);
  EXPECT_TRUE(IsBase62(key.substr(8)));
}

// CONV-2
TEST(NewId, TenThousandDrawsAreAllDifferent) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewId("cpa_"));
  EXPECT_EQ(ids.size(), 10000u);
}

// CONV-2
TEST(NewSecret, TenThousandDrawsAreAllDifferent) {
  std::set<std::string> secrets;
  for (int i = 0; i < 10000; ++i) secrets.insert(NewSecret("crt_"));
  EXPECT_EQ(secrets.size(), 10000u);
}

TEST(RandomBase62, ReturnsExactlyTheRequestedCount) {
  for (size_t n : {0u, 1u, 7u, 62u, 1000u}) {
    const std::string s = RandomBase62("p_", n);
    EXPECT_EQ(s.size(), 2 + n);
    EXPECT_TRUE(IsBase62(s.substr(2)));
  }
}

// CONV-2: "drawn uniformly (rejection sampling, no modulo bias)". A plain `byte % 62` would
// make digits 0-7 a quarter more likely and push the statistic past 1000.
// Pearson's chi-square of base62 digits against the uniform distribution (fails the test on a
// character that is not base62).
double ChiSquare(const std::string& digits) {
  std::array<size_t, 62> counts{};
  for (char c : digits) {
    const char* pos = std::strchr(kBase62Alphabet, c);
    if (c == '\0' || pos == nullptr) {
      ADD_FAILURE() << "not base62: " << int(c);
      return 1e9;
    }
    ++counts[size_t(pos - kBase62Alphabet)];
  }
  const double expected = double(digits.size()) / 62;
  double chi_square = 0;
  for (size_t count : counts) {
    chi_square += (double(count) - expected) * (double(count) - expected) / expected;
  }
  return chi_square;
}

// 61 degrees of freedom: mean 61, standard deviation 11; 150 is beyond 8 sigma.
constexpr double kChiSquareLimit = 150.0;

TEST(RandomBase62, DigitsAreRoughlyUniform) {
  constexpr size_t kDraws = 200000;
  const std::string s = RandomBase62("", kDraws);
  ASSERT_EQ(s.size(), kDraws);
  EXPECT_LT(ChiSquare(s), kChiSquareLimit);
}

// CONV-2: ids come from a per-thread block of CSPRNG output, refilled as it runs out; 200,000
// digits go through many refills.
TEST(NewId, DigitsAreRoughlyUniform) {
  std::string digits;
  for (int i = 0; i < 12500; ++i) digits += NewId("");
  ASSERT_EQ(digits.size(), 200000u);
  EXPECT_LT(ChiSquare(digits), kChiSquareLimit);
}

// CONV-2: each thread has its own block, and no two blocks repeat each other.
TEST(NewId, IdsFromManyThreadsAreAllDifferent) {
  constexpr int kThreads = 4, kEach = 5000;
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < kEach; ++i) drawn[t].push_back(NewId("evt_"));
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> ids;
  for (const auto& some : drawn) ids.insert(some.begin(), some.end());
  EXPECT_EQ(ids.size(), size_t(kThreads * kEach));
}

// CONV-2: a forked child draws a fresh block rather than handing out the ids its parent's
// block still holds, which the parent will hand out too.
TEST(NewId, ForkedChildDoesNotRepeatItsParentsIds) {
  NewId("x_");  // the parent's block is filled, and most of it is left
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = NewId("x_");
    const bool written = write(fds[1], id.data(), id.size()) == ssize_t(id.size());
    _exit(written ? 0 : 1);
  }
  close(fds[1]);
  std::string child;
  char buffer[64];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) child.append(buffer, size_t(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(child.size(), 2u + 16u) << child;
  EXPECT_NE(child, NewId("x_"));
}

// CONV-5
TEST(SecretEquals, AcceptsTheSameSecret) {
  EXPECT_TRUE(SecretEquals("cs_conf_secret_0000000000000001", "cs_conf_secret_0000000000000001"));
}

// CONV-5
TEST(SecretEquals, RefusesADifferentSecretOfTheSameLength) {
  EXPECT_FALSE(SecretEquals("cs_conf_secret_0000000000000002", "cs_conf_secret_0000000000000001"));
  EXPECT_FALSE(SecretEquals("Cs_conf_secret_0000000000000001", "cs_conf_secret_0000000000000001"));
}

// CONV-5
TEST(SecretEquals, RefusesPrefixesAndExtensions) {
  EXPECT_FALSE(SecretEquals("cs_conf_secret_000000000000000", "cs_conf_secret_0000000000000001"));
  EXPECT_FALSE(SecretEquals("cs_conf_secret_00000000000000011", "cs_conf_secret_0000000000000001"));
}

// CONV-5
TEST(SecretEquals, HandlesEmptyStrings) {
  EXPECT_TRUE(SecretEquals("", ""));
  EXPECT_FALSE(SecretEquals("", "secret"));
  EXPECT_FALSE(SecretEquals("secret", ""));
}

}  // namespace
}  // namespace chronapilot
