-- wrk script: POST /v1/events with the fixture access token, keep-alive.
wrk.method = "POST"
wrk.path = "/v1/events"  -- wrk would otherwise POST to the URL given on its command line
wrk.headers["Authorization"] = "Bearer cat_1abc2def3ghi4jkl"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"calendar_id":"cal_aliceWork00001","summary":"Load test","start":"2026-12-10T12:00:00Z",' ..
           '"end":"2026-12-10T13:00:00Z","attendees":[{"email":"bob@example.com"}]}'
