-- wrk script: POST /oauth/token with grant_type=refresh_token, following rotation.
-- Each wrk thread owns one connection (-t N -c N) and one token family, so a refresh token is
-- never sent twice (that would revoke the family, TOKEN-6). Tokens come from the TOKENS
-- environment variable (space-separated, one per thread).
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  local i = 0
  for token in string.gmatch(os.getenv("TOKENS"), "%S+") do
    i = i + 1
    if i == counter then thread:set("token", token) end
  end
  table.insert(threads, thread)
end

function init(args)
  failures = 0
end

function request()
  return wrk.format("POST", "/oauth/token",
    {["Content-Type"] = "application/x-www-form-urlencoded"},
    "grant_type=refresh_token&client_id=cli_4eC39HqLyjWDarjtT1zdp7dc&refresh_token=" .. token)
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    return
  end
  token = string.match(body, '"refresh_token":"([^"]+)"')
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("failures") end
  io.write(string.format("non-200 answers: %d\n", total))
end
