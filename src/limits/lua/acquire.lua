-- Acquires (see src/limits/redis-store.ts; runs after release.lua, cache.lua and settle.lua):
-- apply the settles riding with them, then, for each acquire in turn, check every rate limit
-- and every budget window of its request and commit all of them or none. Atomic because Redis
-- runs a script alone; the acquires of one call are as independent as separate calls would be.
--
-- ARGV (after the settles' arguments): M, then per acquire: now, id, estimate, reservation
--       expiry, R, B, R x (rate log key index, limit, period ms), B x (window hash index,
--       limit, key ttl ms). Key indexes point into KEYS, which holds each key of the call once.
-- Amounts are integer nano-dollars passed as decimal strings (see cache.lua).
-- Returns the settles' spent/reserved pairs, then four numbers per acquire: {0, 0, 0, 0}
-- admitted, {1, rate index, ms to wait, 0} or {2, budget index, spent, reserved}.

-- Rates: an exact sliding window. The log holds the admission times of the last period
-- (unique members, time as score); a request is admitted while fewer than `limit` remain in
-- (now - period, now], so no window of that length can ever hold more than `limit`.
-- When several rates refuse, the answer names the one that frees up last: only then can the
-- request succeed, so that is the honest retry-after.
local function checkRates(a, r, now)
  local refused = 0
  local longestWait = 0
  for i = 1, r do
    local at = a + 4 + 3 * i
    local limit = tonumber(ARGV[at + 1])
    local period = tonumber(ARGV[at + 2])
    local st = rateOf(KEYS[tonumber(ARGV[at])], now, period)
    if st.count >= limit then
      -- The entry whose departure brings the count below the limit.
      flushRate(st)
      local blocking = redis.call('ZRANGE', st.key, st.count - limit, st.count - limit, 'WITHSCORES')
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
local function checkBudgets(budgetArgs, b, now, estimateNum)
  for j = 1, b do
    local at = budgetArgs + 3 * j - 2
    local h = tonumber(ARGV[at])
    local st = budgetOf(KEYS[h], KEYS[h + 1])
    releaseAt(st, now)
    local limit = tonumber(ARGV[at + 1])
    local over
    if estimateNum > 0 then over = st.s + st.r + estimateNum > limit else over = st.s + st.r >= limit end
    if over then return j, st.s, st.r end
  end
  return 0, 0, 0
end

-- One acquire whose arguments start after ARGV[a]; appends its four numbers to `out` and
-- returns the offset where the next acquire starts.
local function acquireOne(a, out)
  local now = tonumber(ARGV[a + 1])
  local id = ARGV[a + 2]
  local estimate = ARGV[a + 3]
  local estimateNum = tonumber(estimate)
  local resExpiry = ARGV[a + 4]
  local r = tonumber(ARGV[a + 5])
  local b = tonumber(ARGV[a + 6])
  local budgetArgs = a + 6 + 3 * r
  local nextA = budgetArgs + 3 * b

  local refusedRate, wait = checkRates(a, r, now)
  if refusedRate > 0 then
    out[#out + 1] = 1; out[#out + 1] = refusedRate; out[#out + 1] = wait; out[#out + 1] = 0
    return nextA
  end
  local refusedBudget, s, res = checkBudgets(budgetArgs, b, now, estimateNum)
  if refusedBudget > 0 then
    out[#out + 1] = 2; out[#out + 1] = refusedBudget; out[#out + 1] = s; out[#out + 1] = res
    return nextA
  end

  -- Every check passed: commit (written back by flushAll).
  for i = 1, r do
    local at = a + 4 + 3 * i
    admitRate(rates[KEYS[tonumber(ARGV[at])]], ARGV[a + 1], id, ARGV[at + 2])
  end
  if estimateNum > 0 then
    for j = 1, b do
      local at = budgetArgs + 3 * j - 2
      reserve(budgets[KEYS[tonumber(ARGV[at])]], id, estimate, estimateNum, resExpiry, ARGV[at + 2])
    end
  end
  out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = 0
  return nextA
end

local out = {}
local a = applySettles(out)
local m = tonumber(ARGV[a + 1])
a = a + 1
for _ = 1, m do
  a = acquireOne(a, out)
end
flushAll()
return out
