#include "mock/consent_page.h"

#include "mock/text.h"

namespace chronapilot {
namespace {

constexpr char kStyle[] =
    "body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0}"
    "main{max-width:30rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;"
    "box-shadow:0 1px 3px #0002}h1{font-size:1.3rem;margin-top:0}"
    "fieldset{border:1px solid #ddd;border-radius:6px;margin:1rem 0}"
    "label{display:block;margin:.4rem 0}code{color:#555;font-size:.85em}"
    "input[type=email]{width:100%;padding:.4rem;box-sizing:border-box}"
    "button{padding:.5rem 1.4rem;margin-right:.5rem;font-size:1rem}"
    ".note{color:#777;font-size:.85rem}.error{color:#b00020;font-weight:600}";

std::string Page(const std::string& title, const std::string& body) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
         HtmlEscape(title) + "</title><style>" + kStyle + "</style></head><body><main>" + body +
         "<p class=\"note\">chronapilot-mock: a simulated ChronaPilot sign-in and consent "
         "screen.</p></main></body></html>\n";
}

}  // namespace

std::string RenderConsentPage(const ConsentPageView& v) {
  const std::string platform = HtmlEscape(v.platform_name);
  std::string body = "<h1>" + platform + " wants to access your ChronaPilot calendars</h1>";
  if (!v.client_name.empty()) {
    body += "<p>Requested by <strong>" + HtmlEscape(v.client_name) + "</strong>.</p>";
  }
  if (!v.error.empty()) body += "<p class=\"error\" role=\"alert\">" + HtmlEscape(v.error) + "</p>";
  body +=
      "<form method=\"post\" action=\"/oauth/authorize/decision\">"
      "<input type=\"hidden\" name=\"consent_id\" value=\"" +
      HtmlEscape(v.consent_id) +
      "\">"
      "<label for=\"login\">Sign in to ChronaPilot as</label>"
      "<input id=\"login\" name=\"login\" type=\"email\" autocomplete=\"email\" required "
      "value=\"" +
      HtmlEscape(v.login) +
      "\">"
      "<fieldset><legend>" +
      platform + " will be able to:</legend>";
  for (const ScopeInfo& info : AllScopeInfo()) {
    if (!(v.requested & info.bit)) continue;
    body += std::string("<label><input type=\"checkbox\" name=\"scope\" value=\"") + info.name +
            "\" checked> " + info.description + " <code>" + info.name + "</code></label>";
  }
  body +=
      "</fieldset>"
      "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>"
      "<button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button>"
      "</form>";
  return Page("Connect your calendar to " + v.platform_name, body);
}

std::string RenderErrorPage(const Status& status) {
  return Page("Authorization error",
              "<h1>This authorization request cannot continue</h1><p class=\"error\">" +
                  HtmlEscape(status.message()) + "</p><p><code>" + HtmlEscape(status.code()) +
                  "</code></p><p>The application that sent you here made a mistake, so you are "
                  "not sent back to it. If you are its developer: check client_id and "
                  "redirect_uri.</p>");
}

}  // namespace chronapilot
