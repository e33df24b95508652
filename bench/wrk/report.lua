-- Shared summary: one machine-readable line per run.
-- RESULT <name> <requests/s> <p50 ms> <p99 ms> <errors> <non-2xx/3xx> <mean ms> <requests>
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %s %.0f %.2f %.2f %d %d %.2f %d\n",
    os.getenv("BENCH_NAME") or "run",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status, latency.mean / 1000, summary.requests))
end

-- BENCH_DELAY_MS paces each connection: a pause before each request, drawn uniformly from 0 to twice the
-- value (its mean). A fixed pause kept the connections in step (all started together, each waited the
-- same after its answer), so the service met them in bursts of one request per connection, not the
-- even rate the row stands for; the draw spreads them.
function pace()
  local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
  if pause > 0 then
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
    function delay() return math.random(0, 2 * pause) end
  end
end
