-- Acquires (see src/limits/redis-store.ts; runs after settle.lua and release.lua): apply the
-- settles riding with them, then, for each acquire in turn, check every rate limit and every
-- budget window of its request and commit all of them or none. Atomic because Redis runs a
-- script alone; the acquires of one call are as independent as separate calls would be.
--
-- KEYS (after the settles' keys), per acquire: R rate logs, then B (window hash, expiry zset) pairs.
-- ARGV (after the settles' arguments): M, then per acquire: now, id, estimate, reservation
--       expiry, R, B, R x (limit, period ms), B x (limit, key ttl ms).
-- Amounts are integer nano-dollars passed as decimal strings and handed to HINCRBY as such:
-- Lua numbers (doubles) are exact below 2^53, which is enough to compare amounts, but an amount
-- is never formatted back into a command argument.
-- Returns the settles' spent/reserved pairs, then four numbers per acquire: {0, 0, 0, 0}
-- admitted, {1, rate index, ms to wait, 0} or {2, budget index, spent, reserved}.

-- Rates: an exact sliding window. The log holds the admission times of the last period
-- (unique members, time as score); a request is admitted while fewer than `limit` remain in
-- (now - period, now], so no window of that length can ever hold more than `limit`.
-- When several rates refuse, the answer names the one that frees up last: only then can the
-- request succeed, so that is the honest retry-after.
local function checkRates(k, a, r, now)
  local refused = 0
  local longestWait = 0
  for i = 1, r do
    local key = KEYS[k + i]
    local limit = tonumber(ARGV[a + 5 + 2 * i])
    local period = tonumber(ARGV[a + 6 + 2 * i])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
    local count = redis.call('ZCARD', key)
    if count >= limit then
      -- The entry whose departure brings the count below the limit.
      local blocking = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
      local wait = tonumber(blocking[2]) + period - now
      if refused == 0 or wait > longestWait then
        refused = i
        longestWait = wait
      end
    end
  end
  return refused, longestWait
end

-- Budgets: release reservations whose replica never settled them, then check
-- spent + reserved + estimate <= limit (with no estimate: spent + reserved < limit).
-- Returns the index of the first budget that refuses (0: none) and its spent, reserved.
local function checkBudgets(k, budgetArgs, r, b, now, estimateNum)
  for j = 1, b do
    local hash = KEYS[k + r + 2 * j - 1]
    local expiry = KEYS[k + r + 2 * j]
    releaseExpired(hash, expiry, now)
    local values = redis.call('HMGET', hash, 's', 'r')
    local s = tonumber(values[1]) or 0
    local res = tonumber(values[2]) or 0
    local limit = tonumber(ARGV[budgetArgs + 2 * j - 1])
    local over
    if estimateNum > 0 then over = s + res + estimateNum > limit else over = s + res >= limit end
    if over then return j, s, res end
  end
  return 0, 0, 0
end

-- One acquire whose keys start after KEYS[k] and arguments after ARGV[a]; appends its four
-- numbers to `out` and returns the offsets where the next acquire starts.
local function acquireOne(k, a, out)
  local now = tonumber(ARGV[a + 1])
  local id = ARGV[a + 2]
  local estimate = ARGV[a + 3]
  local estimateNum = tonumber(estimate)
  local resExpiry = ARGV[a + 4]
  local r = tonumber(ARGV[a + 5])
  local b = tonumber(ARGV[a + 6])
  local budgetArgs = a + 6 + 2 * r
  local nextK = k + r + 2 * b
  local nextA = budgetArgs + 2 * b

  local refusedRate, wait = checkRates(k, a, r, now)
  if refusedRate > 0 then
    out[#out + 1] = 1; out[#out + 1] = refusedRate; out[#out + 1] = wait; out[#out + 1] = 0
    return nextK, nextA
  end
  local refusedBudget, s, res = checkBudgets(k, budgetArgs, r, b, now, estimateNum)
  if refusedBudget > 0 then
    out[#out + 1] = 2; out[#out + 1] = refusedBudget; out[#out + 1] = s; out[#out + 1] = res
    return nextK, nextA
  end

  -- Every check passed: commit. Key TTLs only collect garbage; correctness comes from the
  -- scores and the window start in the budget key names.
  for i = 1, r do
    redis.call('ZADD', KEYS[k + i], ARGV[a + 1], id)
    redis.call('PEXPIRE', KEYS[k + i], ARGV[a + 6 + 2 * i])
  end
  if estimateNum > 0 then
    for j = 1, b do
      local hash = KEYS[k + r + 2 * j - 1]
      local expiry = KEYS[k + r + 2 * j]
      local ttl = ARGV[budgetArgs + 2 * j]
      redis.call('HINCRBY', hash, 'r', estimate)
      redis.call('HSET', hash, id, estimate)
      redis.call('ZADD', expiry, resExpiry, id)
      redis.call('PEXPIRE', hash, ttl)
      redis.call('PEXPIRE', expiry, ttl)
    end
  end
  out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = 0
  return nextK, nextA
end

local out = {}
local k, a = applySettles(out)
local m = tonumber(ARGV[a + 1])
a = a + 1
for _ = 1, m do
  k, a = acquireOne(k, a, out)
end
return out
