-- POST a JSON body with an API key: BENCH_PATH, BENCH_BODY, BENCH_KEY; BENCH_DELAY_MS paces each connection.
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
if os.getenv("BENCH_KEY") then wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY") end
-- BENCH_VARY_PATIENT: each request names another patient (realistic: no two flows fight over one connection).
if os.getenv("BENCH_VARY_PATIENT") then
  local n = 0
  local tag = (tostring({}):gsub("%W", ""))
  function request()
    n = n + 1
    return wrk.format(nil, nil, nil, '{"patientId":"bench-' .. tag:sub(-6) .. '-' .. n .. '"}')
  end
end
pace()
-- Optionally keep the states connect answers (to replay them as callbacks later).
local out = os.getenv("BENCH_STATES") and io.open(os.getenv("BENCH_STATES") .. "." .. (tostring({}):gsub("%W", "")), "w")
if out then
  function response(status, headers, body)
    local state = body:match('"state":"([^"]+)"')
    if state then out:write(state, "\n"); out:flush() end
  end
end
