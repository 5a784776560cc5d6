-- wrk script: GET /v1/events (20 per page) with the fixture access token, keep-alive.
-- PATH_QUERY may add query parameters (e.g. "?limit=20&starting_after=evt_…").
local path = "/v1/events" .. (os.getenv("PATH_QUERY") or "")
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "cat_1abc2def3ghi4jkl")
wrk.headers["Chronapilot-Account"] = os.getenv("ACCOUNT")

function request()
  return wrk.format("GET", path)
end

failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
