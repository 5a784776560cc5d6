// harness/scenario.h: the scenario loader against scenarios/README.md. Good files load into the
// model with 1-based positions; every bad one is refused with "file:line:column: what is wrong",
// at the place that is wrong; odd input never crashes the loader.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "harness/scenario.h"

namespace chronapilot {
namespace {

namespace fs = std::filesystem;

constexpr char kFile[] = "scenarios/pkce.yaml";

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "scenario_test_XXXXXX").string();
    char* made = mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  // Writes `text` to `relative` (creating directories) and returns the full path.
  std::string Write(const std::string& relative, const std::string& text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// The smallest valid scenario; tests append steps or replace lines.
const std::string kHeader =
    "id: Required.PKCE.S256Challenge\n"   // 1
    "title: The client sends S256\n"      // 2
    "requirements: [AUTHZ-1, TOKEN-3]\n"  // 3
    "steps:\n";                           // 4
const std::string kOpStep =
    "  - op: authorization_url\n"           // 5
    "    args: {scopes: [events:read]}\n";  // 6

std::vector<Scenario> MustParse(const std::string& yaml, const std::string& file = kFile) {
  StatusOr<std::vector<Scenario>> out = ParseScenarios(yaml, file);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : std::vector<Scenario>();
}

std::string ErrorOf(const std::string& yaml, const std::string& file = kFile) {
  StatusOr<std::vector<Scenario>> out = ParseScenarios(yaml, file);
  if (out.ok()) return "(loaded)";
  EXPECT_EQ(out.status().code(), "scenario_invalid");
  EXPECT_EQ(out.status().message().find('\n'), std::string::npos) << out.status().message();
  return out.status().message();
}

// The error for `yaml` starts with "scenarios/pkce.yaml:LINE:COL: " and contains `text`.
void ExpectErrorAt(const std::string& yaml, int line, int column, const std::string& text) {
  const std::string error = ErrorOf(yaml);
  const std::string where =
      std::string(kFile) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  EXPECT_EQ(error.rfind(where, 0), 0u) << "want " << where << "\ngot  " << error;
  EXPECT_NE(error.find(text), std::string::npos) << "want …" << text << "…\ngot  " << error;
}

const std::string kReadmeExample = R"(id: Required.PKCE.S256Challenge
title: The client sends an S256 challenge and a verifier that hashes to it
requirements: [AUTHZ-1, AUTHZ-3, TOKEN-3]
tags: [oauth, pkce]
catches: [plain_pkce, no_pkce]
mock:
  auto_consent: false
  fixtures: ../fixtures/other.yaml
  retry_schedule: "5s,5m"
client: public
steps:
  - op: authorization_url
    args: {scopes: [events:read]}
    save: {authorize_url: result.url}
  - browser: {open: "${authorize_url}", action: approve, login: alice@example.com}
    expect: {status: 302}
    save: {callback: location}
  - op: complete_authorization
    args: {callback_url: "${callback}"}
    expect:
      result.token_type: {equals_ci: bearer}
  - journal: {method: GET, path: /oauth/authorize}
    save: {challenge: last.query.code_challenge}
    expect:
      last.query.code_challenge_method: S256
  - journal: {method: POST, path: /oauth/token, from: client}
    requirements: [TOKEN-3]
    expect:
      count: 1
      last.form.code_verifier: {s256: "${challenge}"}
)";

std::string DefaultFixtures() {
  std::ifstream in(std::string(CHRONAPILOT_SOURCE_ROOT) + "/fixtures/default.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty());
  return text;
}

// ---- The model -------------------------------------------------------------------------------

TEST(ScenarioLoader, LoadsTheReadmeExampleIntoTheModel) {
  TempDir dir;
  dir.Write("fixtures/other.yaml", DefaultFixtures());
  const std::string file = dir.Write("scenarios/pkce.yaml", kReadmeExample);
  StatusOr<std::vector<Scenario>> loaded = LoadScenarioFile(file);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->size(), 1u);
  const Scenario& sc = (*loaded)[0];
  EXPECT_EQ(sc.id, "Required.PKCE.S256Challenge");
  EXPECT_EQ(sc.level, Level::kRequired);
  EXPECT_EQ(sc.pos.ToString(), file + ":1:5");
  EXPECT_EQ(sc.requirements, (std::vector<std::string>{"AUTHZ-1", "AUTHZ-3", "TOKEN-3"}));
  EXPECT_EQ(sc.tags, (std::vector<std::string>{"oauth", "pkce"}));
  EXPECT_EQ(sc.catches, (std::vector<std::string>{"plain_pkce", "no_pkce"}));
  EXPECT_FALSE(sc.auto_consent);
  EXPECT_EQ(sc.fixtures, (fs::path(dir.path()) / "fixtures/other.yaml").string());
  EXPECT_EQ(sc.retry_schedule, (std::vector<int64_t>{5, 300}));
  EXPECT_EQ(sc.client, Json::parse(R"({"client_id": "cli_4eC39HqLyjWDarjtT1zdp7dc",
      "redirect_uri": "http://127.0.0.1/callback",
      "platform_key": "sk_test_acme00000000000000000000"})"));
  EXPECT_TRUE(sc.HasTag("pkce"));
  EXPECT_FALSE(sc.HasTag("webhooks"));
  EXPECT_TRUE(sc.UsesClient());
  EXPECT_TRUE(sc.NeedsControl());

  ASSERT_EQ(sc.steps.size(), 5u);
  const Step& op = sc.steps[0];
  EXPECT_EQ(op.kind, StepKind::kOp);
  EXPECT_EQ(op.number, 1);
  EXPECT_EQ(op.pos.line, 12);
  EXPECT_EQ(op.pos.column, 5);
  EXPECT_EQ(op.op, "authorization_url");
  EXPECT_EQ(op.spec, Json::parse(R"({"scopes": ["events:read"]})"));
  EXPECT_FALSE(op.has_expect);
  EXPECT_EQ(op.save,
            (std::vector<std::pair<std::string, std::string>>{{"authorize_url", "result.url"}}));

  const Step& browser = sc.steps[1];
  EXPECT_EQ(browser.kind, StepKind::kBrowser);
  EXPECT_EQ(browser.number, 2);
  EXPECT_EQ(browser.spec, Json::parse(R"({"open": "${authorize_url}", "action": "approve",
                                          "login": "alice@example.com"})"));
  ASSERT_EQ(browser.expect.size(), 1u);
  EXPECT_EQ(browser.expect[0].path, "status");
  EXPECT_EQ(browser.expect[0].matcher, Json(302));
  EXPECT_EQ(browser.expect[0].pos.line, 16);
  EXPECT_TRUE(browser.has_expect);

  const Step& complete = sc.steps[2];
  ASSERT_EQ(complete.expect.size(), 1u);
  EXPECT_EQ(complete.expect[0].path, "result.token_type");
  EXPECT_EQ(complete.expect[0].matcher, Json::parse(R"({"equals_ci": "bearer"})"));
  EXPECT_EQ(complete.expect[0].pos.line, 21);
  EXPECT_EQ(complete.expect[0].pos.column, 7);

  const Step& token = sc.steps[4];
  EXPECT_EQ(token.kind, StepKind::kJournal);
  EXPECT_EQ(token.spec, Json::parse(R"({"method": "POST", "path": "/oauth/token",
                                        "from": "client"})"));
  EXPECT_EQ(token.requirements, (std::vector<std::string>{"TOKEN-3"}));
  ASSERT_EQ(token.expect.size(), 2u);
  EXPECT_EQ(token.expect[1].matcher, Json::parse(R"({"s256": "${challenge}"})"));
  EXPECT_TRUE(sc.steps[3].requirements.empty());
}

TEST(ScenarioLoader, OpWithoutArgsHasEmptyObjectSpec) {
  auto sc = MustParse(kHeader + "  - op: refresh\n");
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].steps[0].spec, Json::object());
  EXPECT_TRUE(sc[0].client.is_null());
  EXPECT_FALSE(sc[0].NeedsControl());
  EXPECT_EQ(sc[0].steps[0].timeout_ms, 0);
}

TEST(ScenarioLoader, RecommendedPrefixGivesRecommendedLevel) {
  std::string yaml = kHeader + kOpStep;
  yaml.replace(0, 12, "id: Recommended");
  auto sc = MustParse(yaml);
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].id, "Recommended.PKCE.S256Challenge");
  EXPECT_EQ(sc[0].level, Level::kRecommended);
}

TEST(ScenarioLoader, SeveralDocumentsInOneFile) {
  std::string second = kHeader + kOpStep;
  second.replace(0, 31, "id: Required.PKCE.Second       ");
  auto sc = MustParse(kHeader + kOpStep + "---\n" + second + "---\n");
  ASSERT_EQ(sc.size(), 2u);
  EXPECT_EQ(sc[1].id, "Required.PKCE.Second");
  EXPECT_EQ(sc[1].pos.line, 8);
  EXPECT_EQ(sc[1].steps[0].pos.line, 12);
}

TEST(ScenarioLoader, PlainScalarsAreTypedAndQuotedOnesStayStrings) {
  auto sc = MustParse(kHeader + R"(  - let:
      int: 42
      negative: -7
      plus: +3
      float: 2.5
      exp: 1e3
      big: 18446744073709551615
      huge: 1e999
      yes_no: yes
      bool: true
      caps: FALSE
      tilde: ~
      null_word: null
      empty:
      zeros: 007
      hex: 0x1F
      quoted_int: "42"
      single_quoted_bool: 'true'
      quoted_null: "null"
      tagged: !!str 5
      tagged_int: !!int "12"
      block: |
        line
      version: 1.2.3
)");
  ASSERT_EQ(sc.size(), 1u);
  const Json& v = sc[0].steps[0].spec;
  EXPECT_TRUE(v["int"].is_number_integer());
  EXPECT_EQ(v["int"], 42);
  EXPECT_EQ(v["negative"], -7);
  EXPECT_EQ(v["plus"], 3);
  EXPECT_TRUE(v["float"].is_number_float());
  EXPECT_EQ(v["exp"], 1000.0);
  EXPECT_TRUE(v["big"].is_number_unsigned());
  EXPECT_EQ(v["huge"], "1e999");
  EXPECT_EQ(v["yes_no"], "yes");
  EXPECT_EQ(v["bool"], true);
  EXPECT_EQ(v["caps"], false);
  EXPECT_TRUE(v["tilde"].is_null());
  EXPECT_TRUE(v["null_word"].is_null());
  EXPECT_TRUE(v["empty"].is_null());
  EXPECT_EQ(v["zeros"], "007");
  EXPECT_EQ(v["hex"], "0x1F");
  EXPECT_EQ(v["quoted_int"], "42");
  EXPECT_EQ(v["single_quoted_bool"], "true");
  EXPECT_EQ(v["quoted_null"], "null");
  EXPECT_EQ(v["tagged"], "5");
  EXPECT_EQ(v["tagged_int"], 12);
  EXPECT_EQ(v["block"], "line\n");
  EXPECT_EQ(v["version"], "1.2.3");
}

TEST(ScenarioLoader, MappingsKeepTheirOrder) {
  auto sc = MustParse(kHeader + "  - op: create_event\n    args: {z: 1, a: 2, m: 3}\n");
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].steps[0].spec.dump(), R"({"z":1,"a":2,"m":3})");
}

TEST(ScenarioLoader, EveryStepKindLoads) {
  auto sc = MustParse(kHeader + R"(  - op: authorization_url
    timeout_ms: 2000
  - browser: {open: "${base_url}/oauth/authorize", action: deny, scopes: [events:read]}
  - http:
      method: POST
      path: /oauth/token
      headers: {Retry-After: 1, x-flag: true}
      basic: {user: cli_x, password: ""}
      form: {grant_type: refresh_token, scope: [a, b]}
    expect: {headers.www-authenticate: {prefix: Bearer}}
  - http: {url: "https://example.com/x", form_pairs: [[a, 1], [a, 2]]}
  - control: {method: POST, path: /_mock/clock/advance, json: {seconds: 10}}
  - advance_clock: 3601
  - fault: {match: {method: POST, path: /oauth/token}, response: {status: 429, headers: {Retry-After: 1}}, times: 1}
  - receiver: {status: 500, times: 2, headers: {x-a: b}}
  - wait_delivery: {match: {json.type: event.created}, count: 1}
    timeout_ms: 3000
  - journal: {path_prefix: /v1/, from: harness, within_ms: 300}
    expect: {count: 0}
  - let: {state: abc, n: 2}
  - sign_webhook: {secret: [whsec_a, whsec_b], id: msg_1, body: {type: x}, timestamp_offset: -400}
    save: {sig: headers.webhook-signature}
  - op: verify_webhook
    args: {secret: "${state}", headers: "${sig}"}
)");
  ASSERT_EQ(sc.size(), 1u);
  const std::vector<Step>& s = sc[0].steps;
  ASSERT_EQ(s.size(), 13u);
  const StepKind kinds[] = {StepKind::kOp,      StepKind::kBrowser,  StepKind::kHttp,
                            StepKind::kHttp,    StepKind::kControl,  StepKind::kAdvanceClock,
                            StepKind::kFault,   StepKind::kReceiver, StepKind::kWaitDelivery,
                            StepKind::kJournal, StepKind::kLet,      StepKind::kSignWebhook,
                            StepKind::kOp};
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].kind, kinds[i]) << "step " << i + 1;
    EXPECT_EQ(s[i].number, static_cast<int>(i + 1));
  }
  EXPECT_EQ(s[0].timeout_ms, 2000);
  // Header, form and query values become strings, lists of strings for repeats.
  EXPECT_EQ(s[2].spec["headers"], Json::parse(R"({"Retry-After": "1", "x-flag": "true"})"));
  EXPECT_EQ(s[2].spec["basic"], Json::parse(R"({"user": "cli_x", "password": ""})"));
  EXPECT_EQ(s[2].spec["form"],
            Json::parse(R"({"grant_type": "refresh_token", "scope": ["a", "b"]})"));
  EXPECT_EQ(s[3].spec["form_pairs"], Json::parse(R"([["a", "1"], ["a", "2"]])"));
  EXPECT_EQ(s[4].spec["json"], Json::parse(R"({"seconds": 10})"));
  EXPECT_EQ(s[5].spec, Json(3601));
  EXPECT_EQ(s[6].spec["response"]["headers"]["Retry-After"], "1");
  EXPECT_EQ(s[8].spec["match"], Json::parse(R"({"json.type": "event.created"})"));
  EXPECT_EQ(s[8].timeout_ms, 3000);
  EXPECT_EQ(s[11].spec["secret"], Json::parse(R"(["whsec_a", "whsec_b"])"));
  EXPECT_EQ(s[11].spec["timestamp_offset"], -400);
  EXPECT_TRUE(sc[0].NeedsControl());
}

TEST(ScenarioLoader, NamedAndOverriddenClients) {
  auto with_client = [](const std::string& client) {
    auto sc = MustParse(kHeader + kOpStep + "client: " + client + "\n");
    return sc.empty() ? Json() : sc[0].client;
  };
  EXPECT_EQ(with_client("confidential")["client_secret"], "cs_conf_secret_0000000000000001");
  EXPECT_EQ(with_client("special")["client_secret"], "cs_special:+%41 secret/0002");
  EXPECT_EQ(with_client("globex")["platform_key"], "sk_live_globex0000000000000000000");
  EXPECT_FALSE(with_client("globex").contains("client_secret"));
  EXPECT_EQ(with_client(R"({use: public, redirect_uri: "http://127.0.0.1:51234/callback"})"),
            Json::parse(R"({"client_id": "cli_4eC39HqLyjWDarjtT1zdp7dc",
                "redirect_uri": "http://127.0.0.1:51234/callback",
                "platform_key": "sk_test_acme00000000000000000000"})"));
  EXPECT_EQ(with_client("{use: confidential, client_secret: null}").contains("client_secret"),
            false);
  EXPECT_EQ(with_client("{client_id: cli_own, redirect_uri: \"https://a.example/cb\"}"),
            Json::parse(R"({"client_id": "cli_own", "redirect_uri": "https://a.example/cb"})"));
}

TEST(ScenarioLoader, NeedsControlOnlyForControlStepsOrMockSettings) {
  auto needs = [](const std::string& extra, const std::string& steps) {
    auto sc = MustParse(kHeader + steps + extra);
    return !sc.empty() && sc[0].NeedsControl();
  };
  EXPECT_FALSE(needs("", kOpStep));
  EXPECT_FALSE(needs("", "  - http: {path: /healthz}\n  - receiver: {status: 500}\n"));
  EXPECT_TRUE(needs("mock: {auto_consent: true}\n", kOpStep));
  EXPECT_TRUE(needs("mock: {retry_schedule: 1s}\n", kOpStep));
  EXPECT_FALSE(needs("mock: {auto_consent: false}\n", kOpStep));
  EXPECT_TRUE(needs("", "  - advance_clock: 1\n"));
  EXPECT_TRUE(needs("", "  - journal: {}\n"));
  EXPECT_TRUE(needs("", "  - control: {path: /_mock/reset}\n"));
  EXPECT_TRUE(needs("", "  - fault: {drop_connection: true}\n"));
}

TEST(StepKindName, NamesAsWrittenInYaml) {
  EXPECT_STREQ(StepKindName(StepKind::kOp), "op");
  EXPECT_STREQ(StepKindName(StepKind::kAdvanceClock), "advance_clock");
  EXPECT_STREQ(StepKindName(StepKind::kWaitDelivery), "wait_delivery");
  EXPECT_STREQ(StepKindName(StepKind::kSignWebhook), "sign_webhook");
}

TEST(SourcePos, ToStringIsFileLineColumn) {
  EXPECT_EQ((SourcePos{"scenarios/pkce.yaml", 12, 5}).ToString(), "scenarios/pkce.yaml:12:5");
  EXPECT_EQ((SourcePos{"x.yaml", 0, 0}).ToString(), "x.yaml");
}

// ---- Errors, with positions ------------------------------------------------------------------

TEST(ScenarioLoader, UnknownStepKeyPointsAtTheKeyAndListsTheAllowedOnes) {
  ExpectErrorAt(kHeader + "  - browser: {open: x}\n    expct: {status: 302}\n", 6, 5,
                "unknown step key \"expct\" (allowed: expect, save, requirements, timeout_ms)");
  ExpectErrorAt(kHeader + kOpStep + "    sav: {}\n", 7, 5,
                "unknown step key \"sav\" (allowed: args, expect, save, requirements, timeout_ms)");
}

TEST(ScenarioLoader, StepWithoutKindOrWithTwoKinds) {
  ExpectErrorAt(kHeader + "  - expect: {status: 1}\n", 5, 5, "a step needs one of op, browser");
  ExpectErrorAt(kHeader + "  - opp: refresh\n", 5, 5, "unknown step key \"opp\" (allowed: op, ");
  ExpectErrorAt(kHeader + "  - op: refresh\n    browser: {open: x}\n", 6, 5,
                "exactly one kind, but \"op\" and \"browser\"");
  ExpectErrorAt(kHeader + "  - http: {path: /x}\n    args: {}\n", 6, 5, "\"args\" goes with op");
  ExpectErrorAt(kHeader + "  - just a string\n", 5, 5, "step 1 must be a mapping");
}

TEST(ScenarioLoader, TopLevelKeyErrors) {
  ExpectErrorAt(kHeader + kOpStep + "stpes: []\n", 7, 1,
                "unknown key \"stpes\" (allowed: id, title, requirements, tags, catches, mock, "
                "client, steps)");
  ExpectErrorAt("id: Required.A.B\ntitle: t\nsteps:\n  - op: x\n", 1, 1,
                "missing \"requirements\"");
  ExpectErrorAt(kHeader.substr(0, kHeader.size() - 7) + "steps: []\n", 4, 8,
                "steps must list at least one step");
  ExpectErrorAt(kHeader + kOpStep + "id: Required.A.C\n", 7, 1,
                "key \"id\" given twice (first at line 1)");
  ExpectErrorAt("id: Required.A.B\ntitle: t\nrequirements: []\nsteps: [{op: x}]\n", 3, 15,
                "requirements must list at least one");
  ExpectErrorAt("id: Required.A.B\ntitle: \"\"\nrequirements: [A-1]\nsteps: [{op: x}]\n", 2, 8,
                "title must not be empty");
  ExpectErrorAt("id: Required.A.B\ntitle: t\nrequirements: [AUTHZ1]\nsteps: [{op: x}]\n", 3, 16,
                "\"AUTHZ1\" is not a SPEC requirement id");
  ExpectErrorAt(kHeader + kOpStep + "tags: oauth\n", 7, 7, "tags must be a list of strings");
  ExpectErrorAt("id: Required.A.B\ntitle: t\nrequirements: AUTHZ-1\nsteps: [{op: x}]\n", 3, 15,
                "requirements must be a list of SPEC ids");
}

TEST(ScenarioLoader, IdMustBeLevelledDottedAndLongEnough) {
  auto with_id = [](const std::string& id) {
    std::string yaml = kHeader + kOpStep;
    yaml.replace(4, 27, id);
    return yaml;
  };
  ExpectErrorAt(with_id("Optional.PKCE.X"), 1, 5, "must start with \"Required.\"");
  ExpectErrorAt(with_id("Required.PKCE"), 1, 5, "at least three dotted parts");
  ExpectErrorAt(with_id("Required..X"), 1, 5, "each dotted part");
  ExpectErrorAt(with_id("Required.PKCE.S256 Challenge"), 1, 5, "each dotted part");
  ExpectErrorAt(with_id("required.PKCE.X"), 1, 5, "must start with \"Required.\"");
  auto ok = MustParse(with_id("Required.Token-Rotation.Reuse_Detected.v2"));
  EXPECT_EQ(ok.size(), 1u);
}

TEST(ScenarioLoader, DuplicateIdInOneFileNamesBothPositions) {
  const std::string doc = kHeader + kOpStep;
  const std::string error = ErrorOf(doc + "---\n" + doc);
  EXPECT_EQ(error,
            "scenarios/pkce.yaml:8:5: duplicate id \"Required.PKCE.S256Challenge\" (first at "
            "scenarios/pkce.yaml:1:5)");
}

TEST(ScenarioLoader, MockErrors) {
  ExpectErrorAt(kHeader + kOpStep + "mock: {auto_consent: yes}\n", 7, 22,
                "auto_consent must be true or false");
  ExpectErrorAt(kHeader + kOpStep + "mock: {retry: 1s}\n", 7, 8, "unknown mock key \"retry\"");
  ExpectErrorAt(kHeader + kOpStep + "mock: {retry_schedule: \"5x\"}\n", 7, 24,
                "retry_schedule: expected delays like 5s,5m,30m,2h");
  ExpectErrorAt(kHeader + kOpStep + "mock: {retry_schedule: \"0s\"}\n", 7, 24,
                "retry_schedule: each delay must be 1s to 30d");
  ExpectErrorAt(kHeader + kOpStep + "mock: {fixtures: nowhere.yaml}\n", 7, 18,
                "fixtures file \"nowhere.yaml\" not found");
}

TEST(ScenarioLoader, FixturesPathIsRelativeToTheScenarioFileAndIsChecked) {
  TempDir dir;
  dir.Write("fx/good.yaml", DefaultFixtures());
  dir.Write("fx/bad.yaml", "platforms: 5\n");
  const std::string good =
      dir.Write("s/a/good.yaml", kHeader + kOpStep + "mock: {fixtures: ../../fx/good.yaml}\n");
  StatusOr<std::vector<Scenario>> loaded = LoadScenarioFile(good);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)[0].fixtures, (fs::path(dir.path()) / "fx/good.yaml").string());
  EXPECT_TRUE(fs::path((*loaded)[0].fixtures).is_absolute());

  const std::string bad =
      dir.Write("s/bad.yaml", kHeader + kOpStep + "mock: {fixtures: ../fx/bad.yaml}\n");
  loaded = LoadScenarioFile(bad);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message().rfind(bad + ":7:18: fixtures: ", 0), 0u)
      << loaded.status().message();
  EXPECT_NE(loaded.status().message().find("bad.yaml:1:"), std::string::npos)
      << "names the place in the fixture file too: " << loaded.status().message();
}

TEST(ScenarioLoader, ClientErrors) {
  ExpectErrorAt(kHeader + kOpStep + "client: publik\n", 7, 9, "unknown client \"publik\"");
  ExpectErrorAt(kHeader + kOpStep + "client: {use: public, secret: x}\n", 7, 23,
                "unknown client key \"secret\"");
  ExpectErrorAt(kHeader + kOpStep + "client: {platform_key: sk_x}\n", 7, 9,
                "client needs client_id and redirect_uri");
  ExpectErrorAt(kHeader + kOpStep + "client: {use: public, client_id: 5}\n", 7, 34,
                "client.client_id must be a string");
  ExpectErrorAt(kHeader + kOpStep + "client: [public]\n", 7, 9, "client must be a name");
}

TEST(ScenarioLoader, KindSpecificKeysAndValuesAreChecked) {
  ExpectErrorAt(kHeader + "  - browser: {open: x, action: aprove}\n", 5, 32,
                "browser.action must be approve, deny or none, got \"aprove\"");
  ExpectErrorAt(kHeader + "  - browser: {action: approve}\n", 5, 14, "browser needs \"open\"");
  ExpectErrorAt(kHeader + "  - browser: {open: x, click: y}\n", 5, 24,
                "unknown browser key \"click\"");
  ExpectErrorAt(kHeader + "  - http: {method: POST}\n", 5, 11,
                "exactly one of path (to the mock) and url");
  ExpectErrorAt(kHeader + "  - http: {path: /a, url: \"http://x\"}\n", 5, 11,
                "exactly one of path");
  ExpectErrorAt(kHeader + "  - http: {path: a}\n", 5, 18, "http.path must start with '/'");
  ExpectErrorAt(kHeader + "  - http: {url: ftp://x}\n", 5, 17,
                "http.url must be an http:// or https:// URL");
  ExpectErrorAt(kHeader + "  - http: {path: /a, method: post}\n", 5, 30, "upper-case HTTP method");
  ExpectErrorAt(kHeader + "  - http: {path: /a, form: {a: 1}, json: {}}\n", 5, 11,
                "at most one of form, form_pairs, json and body; got form, json");
  ExpectErrorAt(kHeader + "  - http: {path: /a, form_pairs: [[a]]}\n", 5, 35,
                "[name, value] pairs");
  ExpectErrorAt(kHeader + "  - http: {path: /a, headers: {x: {y: 1}}}\n", 5, 35,
                "http.headers.x must be a single value");
  ExpectErrorAt(kHeader + "  - http: {path: /a, form: {x: }}\n", 5, 29,
                "http.form.x needs a value");
  ExpectErrorAt(kHeader + "  - http: {path: /a, basic: {user: u}}\n", 5, 29,
                "needs user and password");
  ExpectErrorAt(kHeader + "  - control: {path: /v1/events}\n", 5, 21, "must start with /_mock/");
  ExpectErrorAt(kHeader + "  - control: {method: GET}\n", 5, 14, "control needs \"path\"");
  ExpectErrorAt(kHeader + "  - advance_clock: 0\n", 5, 20,
                "advance_clock takes a number of seconds > 0");
  ExpectErrorAt(kHeader + "  - advance_clock: soon\n", 5, 20, "advance_clock takes a number");
  ExpectErrorAt(kHeader + "  - receiver: {status: 99}\n", 5, 24,
                "receiver.status must be a whole number from 100 to 599");
  ExpectErrorAt(kHeader + "  - receiver: {times: 0}\n", 5, 23,
                "receiver.times must be a whole number >= 1, got 0");
  ExpectErrorAt(kHeader + "  - wait_delivery: {count: -1}\n", 5, 28, "wait_delivery.count");
  ExpectErrorAt(
      kHeader + "  - wait_delivery: {match: {bodyy: x}}\n", 5, 29,
      "path \"bodyy\" does not start with a field of a delivery (path, headers, body, json, "
      "received_ms)");
  ExpectErrorAt(kHeader + "  - wait_delivery: {match: {json.type: {eq: x}}}\n", 5, 41,
                "\"eq\" is not a matcher operator");
  ExpectErrorAt(kHeader + "  - journal: {from: server}\n", 5, 21,
                "journal.from must be client, harness or any");
  ExpectErrorAt(kHeader + "  - journal: {path: /a, path_prefix: /b}\n", 5, 14,
                "path or path_prefix, not both");
  ExpectErrorAt(kHeader + "  - journal: {within_ms: 1.5}\n", 5, 26,
                "journal.within_ms must be a whole number");
  ExpectErrorAt(kHeader + "  - journal:\n", 5, 5, "journal takes a mapping");
  ExpectErrorAt(kHeader + "  - let: {9lives: 1}\n", 5, 11, "variable name \"9lives\"");
  ExpectErrorAt(kHeader + "  - let: {base_url: x}\n", 5, 11, "\"base_url\" is predefined");
  ExpectErrorAt(kHeader + "  - let: {}\n", 5, 10, "let takes a mapping of names to values");
  ExpectErrorAt(kHeader + "  - sign_webhook: {body: x}\n", 5, 19, "sign_webhook needs \"secret\"");
  ExpectErrorAt(kHeader + "  - sign_webhook: {secret: [], body: x}\n", 5, 28,
                "at least one secret");
  ExpectErrorAt(kHeader + "  - op: Create-Event\n", 5, 9,
                "op must be an op name like create_event");
  ExpectErrorAt(kHeader + "  - op: x\n    args: [1]\n", 6, 11, "args must be a mapping");
  ExpectErrorAt(kHeader + "  - op: x\n    timeout_ms: 0\n", 6, 17,
                "timeout_ms must be a whole number from 1");
  ExpectErrorAt(kHeader + "  - op: x\n    requirements: [nope]\n", 6, 20,
                "\"nope\" is not a SPEC requirement id");
}

TEST(ScenarioLoader, FaultIsCheckedByTheMocksOwnRules) {
  ExpectErrorAt(kHeader + "  - fault: {times: 1}\n", 5, 12,
                "a fault needs a response, a delay_ms or drop_connection");
  ExpectErrorAt(kHeader + "  - fault: {response: {status: 503}, delay_ms: 999999}\n", 5, 48,
                "delay_ms must be a whole number from 0 to 120000");
  ExpectErrorAt(kHeader + "  - fault: {match: {host: x}, drop_connection: true}\n", 5, 21,
                "unknown fault.match key \"host\"");
  ExpectErrorAt(kHeader + "  - fault: {match: {method: FETCH}, drop_connection: true}\n", 5, 29,
                "upper-case HTTP method like POST");
  ExpectErrorAt(kHeader + "  - fault: {response: {headers: {a: b}}}\n", 5, 23,
                "fault.response needs \"status\"");
}

TEST(ScenarioLoader, ExpectAndSaveAreChecked) {
  ExpectErrorAt(kHeader + kOpStep + "    expect: {resutl.url: {prefix: x}}\n", 7, 14,
                "path \"resutl.url\" does not start with a field of the op step's result (ok, "
                "result, error)");
  ExpectErrorAt(kHeader + kOpStep + "    expect: {result.url: {prefx: x}}\n", 7, 27,
                "\"prefx\" is not a matcher operator");
  ExpectErrorAt(kHeader + kOpStep + "    expect: {result: {a: 1}}\n", 7, 23,
                "to compare with a mapping write {equals: {...}}");
  ExpectErrorAt(kHeader + kOpStep + "    expect: {result.n: {gt: five}}\n", 7, 29,
                "\"gt\" needs a number");
  ExpectErrorAt(kHeader + kOpStep + "    expect: {result.url: {matches: \"(\"}}\n", 7, 36,
                "invalid regex /(/");
  ExpectErrorAt(kHeader + kOpStep + "    expect: {result.n: {}}\n", 7, 24,
                "an empty mapping is not a matcher");
  ExpectErrorAt(kHeader + kOpStep + "    expect: [ok]\n", 7, 13, "expect must be a mapping");
  ExpectErrorAt(kHeader + kOpStep + "    save: {url: resutl.url}\n", 7, 17, "path \"resutl.url\"");
  ExpectErrorAt(kHeader + kOpStep + "    save: {my-url: result.url}\n", 7, 12,
                "variable name \"my-url\"");
  ExpectErrorAt(kHeader + "  - advance_clock: 5\n    expect: {count: 1}\n", 6, 13,
                "advance_clock steps have no result");
  ExpectErrorAt(kHeader + "  - let: {a: 1}\n    save: {b: x}\n", 6, 11, "let steps have no result");
  auto sc = MustParse(kHeader + kOpStep + "    expect: {}\n");
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_TRUE(sc[0].steps[0].has_expect);
  EXPECT_TRUE(sc[0].steps[0].expect.empty());
  EXPECT_EQ(MustParse(kHeader + kOpStep + "    expect: {\"\": {type: object}}\n").size(), 1u);
}

TEST(ScenarioLoader, ReferencesMustNameVariablesDefinedBefore) {
  ExpectErrorAt(kHeader + "  - browser: {open: \"${authorize_url}\"}\n", 5, 21,
                "unknown variable ${authorize_url} (defined before this step: base_url, issuer, "
                "receiver_url;");
  ExpectErrorAt(
      kHeader + kOpStep + "    save: {u: result.url}\n  - op: x\n    args: {a: \"${u.x\"}\n", 9, 15,
      "unterminated");
  // Defined by an earlier save or let.
  EXPECT_EQ(MustParse(kHeader + kOpStep + R"(    save: {u: result.url}
  - op: x
    expect: {result.url: "${u}"}
  - let: {v: "${u}"}
  - http: {url: "${v}/x", headers: {a: "${receiver_url}"}}
  - op: x
    args: {s: "$${not_a_variable}"}
)")
                .size(),
            1u);
  // A step cannot use what it saves itself, in its spec or in its expect (checked before saving).
  ExpectErrorAt(kHeader + "  - op: x\n    args: {a: \"${r}\"}\n    save: {r: result}\n", 6, 15,
                "unknown variable ${r}");
  ExpectErrorAt(kHeader + "  - op: x\n    save: {r: result}\n    expect: {result: \"${r}\"}\n", 7,
                22, "unknown variable ${r}");
}

// ---- Odd input -------------------------------------------------------------------------------

TEST(ScenarioLoader, YamlSyntaxErrorsHaveFileLineColumn) {
  ExpectErrorAt(kHeader + "  - op: x\n    args: {a: [1, 2}\n", 6, 20, "illegal flow end");
  ExpectErrorAt("id: Required.A.B\n\ttitle: t\n", 2, 1, "tab");
}

// yaml-cpp 0.7's LoadAll never returns on these (it adds empty documents until memory runs out).
TEST(ScenarioLoader, StrayCommaAtTheTopIsAnErrorNotAHang) {
  ExpectErrorAt(",", 1, 1, "unexpected token outside any list or mapping");
  ExpectErrorAt(kHeader + kOpStep + "---\n,\n", 8, 1, "unexpected token");
}

TEST(ScenarioLoader, OddDocumentsGiveCleanErrors) {
  ExpectErrorAt("just a scalar\n", 1, 1,
                "a scenario is a mapping with id, title, requirements and steps");
  ExpectErrorAt("- id: Required.A.B\n", 1, 1, "a scenario is a mapping");
  EXPECT_EQ(ErrorOf(""),
            "scenarios/pkce.yaml:1:1: no scenario in this file (expected a mapping "
            "with id, title, requirements and steps)");
  EXPECT_NE(ErrorOf("# only a comment\n---\n").find("no scenario in this file"), std::string::npos);
  ExpectErrorAt(kHeader + kOpStep + "? [a, b]\n: x\n", 7, 3, "a key must be a plain string");
  ExpectErrorAt(kHeader + "  - op: x\n    args: {a: !custom 1}\n", 6, 15,
                "unsupported tag \"!custom\"");
  ExpectErrorAt(kHeader + "  - op: x\n    args: {a: !!int abc}\n", 6, 15, "does not fit its tag");
}

TEST(ScenarioLoader, InvalidUtf8IsRefusedWithItsPosition) {
  ExpectErrorAt(kHeader + "  - op: x\n    args: {a: \"\xff\xfe\"}\n", 6, 15, "not valid UTF-8");
  ExpectErrorAt(kHeader + "  - op: x\n    args: {\xc3\x28: 1}\n", 6, 12, "not valid UTF-8");
}

TEST(ScenarioLoader, RecursiveAliasAndAliasBombsAreRefused) {
  ExpectErrorAt(kHeader + "  - let: {a: &x [*x]}\n", 5, 14, "nested more than");
  std::string bomb = kHeader + "  - let:\n      a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    const char prev = c - 1;
    bomb += std::string("      ") + c + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + "]\n";
  }
  EXPECT_NE(ErrorOf(bomb).find("values in one document"), std::string::npos) << ErrorOf(bomb);
}

TEST(ScenarioLoader, DeepNestingIsRefused) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(ErrorOf(kHeader + "  - let: {a: " + deep + "}\n").rfind("scenarios/pkce.yaml:5:", 0),
            0u);
  const std::string nested = std::string(100, '[') + std::string(100, ']');
  ExpectErrorAt(kHeader + "  - let: {a: " + nested + "}\n", 5, 75, "nested more than 64 levels");
}

TEST(ScenarioLoader, LongStringsLoadOrFailCleanly) {
  const std::string mb(1 << 20, 'x');
  auto sc = MustParse(kHeader + "  - let: {a: \"" + mb + "\"}\n");
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].steps[0].spec["a"].get<std::string>().size(), mb.size());
  // YAML limits implicit keys to 1024 characters: a clean syntax error.
  EXPECT_EQ(ErrorOf(kHeader + kOpStep + mb + ": 1\n").rfind("scenarios/pkce.yaml:7:", 0), 0u);
  ExpectErrorAt(kHeader + kOpStep + "? " + mb + "\n: 1\n", 7, 3, "unknown key \"xxxxxxxx");
}

TEST(ScenarioLoader, RandomBytesNeverCrash) {
  std::mt19937 rng(20240607);
  const std::string alphabet = "{}[]:-,&*!|>'\"#%@` \t\n\r\\?xyz01.~$\xc3\xff";
  for (int round = 0; round < 500; ++round) {
    std::string text = round % 2 ? kHeader + kOpStep : "";
    const int n = std::uniform_int_distribution<int>(0, 300)(rng);
    for (int i = 0; i < n; ++i) {
      text += round % 3 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    }
    StatusOr<std::vector<Scenario>> out = ParseScenarios(text, kFile);
    if (!out.ok()) {
      EXPECT_EQ(out.status().message().rfind(std::string(kFile) + ":", 0), 0u)
          << out.status().message();
    }
  }
}

// ---- Files and directories -------------------------------------------------------------------

std::string MinimalScenario(const std::string& id) {
  return "id: " + id + "\ntitle: t\nrequirements: [AUTHZ-1]\nsteps:\n  - op: refresh\n";
}

TEST(LoadScenarios, WalksDirectoriesInSortedPathOrderAndSkipsOtherFiles) {
  TempDir dir;
  dir.Write("b/second.yaml", MinimalScenario("Required.B.Second"));
  dir.Write("a/z.yml", MinimalScenario("Required.A.Z"));
  dir.Write("a/sub/first.yaml",
            MinimalScenario("Required.A.Sub") + "---\n" + MinimalScenario("Required.A.Sub2"));
  dir.Write("README.md", "# not a scenario: id: x\n");
  dir.Write("a/notes.txt", "not yaml: [\n");
  dir.Write(".hidden/x.yaml", "broken: [\n");
  dir.Write("a/.#editor.yaml", "broken: [\n");
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({dir.path()});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  std::vector<std::string> ids;
  for (const auto& sc : *loaded) ids.push_back(sc.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"Required.A.Sub", "Required.A.Sub2", "Required.A.Z",
                                           "Required.B.Second"}));
  EXPECT_EQ((*loaded)[0].pos.file, dir.path() + "/a/sub/first.yaml");
}

TEST(LoadScenarios, DuplicateIdNamesBothFiles) {
  TempDir dir;
  const std::string a = dir.Write("a.yaml", MinimalScenario("Required.Same.Id"));
  const std::string b = dir.Write("b.yaml", "\n" + MinimalScenario("Required.Same.Id"));
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({dir.path()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            b + ":2:5: duplicate id \"Required.Same.Id\" (first at " + a + ":1:5)");
}

TEST(LoadScenarios, AcceptsFilesAndLoadsAFileNamedTwiceOnce) {
  TempDir dir;
  const std::string a = dir.Write("a.yaml", MinimalScenario("Required.A.One"));
  const std::string b = dir.Write("other.txt", MinimalScenario("Required.A.Two"));
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({b, a, dir.path()});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->size(), 2u);
}

TEST(LoadScenarios, MissingPathIsAnError) {
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({"/nonexistent/scenarios-dir"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), "/nonexistent/scenarios-dir: no such file or directory");
  StatusOr<std::vector<Scenario>> file = LoadScenarioFile("/nonexistent/x.yaml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message().rfind("/nonexistent/x.yaml: cannot open", 0), 0u);
}

TEST(LoadScenarios, AnErrorInOneFileNamesThatFile) {
  TempDir dir;
  dir.Write("a.yaml", MinimalScenario("Required.A.One"));
  const std::string bad =
      dir.Write("b.yaml", MinimalScenario("Required.A.Two") + "    expct: {}\n");
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({dir.path()});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message().rfind(bad + ":6:5: unknown step key \"expct\"", 0), 0u)
      << loaded.status().message();
}

TEST(LoadScenarios, TheProjectsScenariosLoad) {
  if (!fs::exists(std::string(CHRONAPILOT_SCENARIOS_DIR))) GTEST_SKIP();
  StatusOr<std::vector<Scenario>> loaded = LoadScenarios({std::string(CHRONAPILOT_SCENARIOS_DIR)});
  if (!loaded.ok() && loaded.status().message().find("no scenario") != std::string::npos) {
    GTEST_SKIP() << "no scenarios yet";
  }
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_FALSE(loaded->empty());
}

}  // namespace
}  // namespace chronapilot
