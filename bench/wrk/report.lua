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
