-- Spent and reserved of budget windows (admin API, audit), after releasing reservations whose
-- expiry has passed, exactly as acquire.lua would (see src/limits/redis-store.ts; runs after release.lua).
--
-- KEYS: one (window hash, expiry zset) pair per budget window.  ARGV: now.
-- Returns spent, reserved of each window, in order.
local now = tonumber(ARGV[1])
local out = {}
for j = 1, #KEYS / 2 do
  local hash = KEYS[2 * j - 1]
  local expiry = KEYS[2 * j]
  releaseExpired(hash, expiry, now)
  local values = redis.call('HMGET', hash, 's', 'r')
  out[2 * j - 1] = tonumber(values[1]) or 0
  out[2 * j] = tonumber(values[2]) or 0
end
return out
