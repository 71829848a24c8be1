-- Shared prelude of settle.lua, acquire.lua and settle-batch.lua (after release.lua): what one
-- script call knows of the keys it touches. The requests of one call mostly share keys (an
-- agent's rate logs, its team's budget windows), so each key is read once, what the requests
-- change is kept here, and the changes are written back once per key when the call ends
-- (flushAll): a few commands per key and call instead of ~30 per request. Every decision still
-- sees the exact state: nothing else runs while a script does, and whatever this call changed is
-- in the cache; anything read from Redis is first brought up to date (flushRate, flushBudget).
--
-- Amounts are integer nano-dollars. A Lua number adds integers exactly below 2^53, and a change
-- is written before its magnitude could reach that, formatted as an integer ('%d').
local EXACT = 9007199254740992

local rates = {}
local rateOrder = {}
local budgets = {}
local budgetOrder = {}

-- A rate log (sorted set of admission times, see acquire.lua), trimmed to the window ending at
-- `now`. `count` includes the admissions of this call not yet written (`adds`).
local function flushRate(st)
  if #st.adds > 0 then
    redis.call('ZADD', st.key, unpack(st.adds))
    st.adds = {}
    st.firstAdd = math.huge
  end
end

local function rateOf(key, now, period)
  local horizon = now - period
  local st = rates[key]
  if st == nil then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
    st = { key = key, count = redis.call('ZCARD', key), horizon = horizon, adds = {}, firstAdd = math.huge, ttl = nil }
    rates[key] = st
    rateOrder[#rateOrder + 1] = st
  elseif horizon > st.horizon then
    if st.firstAdd <= horizon then flushRate(st) end
    st.count = st.count - redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
    st.horizon = horizon
  end
  return st
end

local function admitRate(st, score, id, period)
  st.adds[#st.adds + 1] = score
  st.adds[#st.adds + 1] = id
  local at = tonumber(score)
  if at < st.firstAdd then st.firstAdd = at end
  st.count = st.count + 1
  st.ttl = period
end

-- A budget window: its hash (s = spent, r = reserved, one field per reservation) and the
-- reservations' expiry index. `ds`, `dr`: changes to s and r not yet written.
local function flushBudget(st)
  if st.dr ~= 0 then redis.call('HINCRBY', st.hash, 'r', string.format('%d', st.dr)); st.dr = 0 end
  if st.ds ~= 0 then redis.call('HINCRBY', st.hash, 's', string.format('%d', st.ds)); st.ds = 0 end
  if #st.held > 0 then redis.call('HSET', st.hash, unpack(st.held)); st.held = {} end
  if #st.expiries > 0 then redis.call('ZADD', st.expiry, unpack(st.expiries)); st.expiries = {} end
  if #st.unexpire > 0 then redis.call('ZREM', st.expiry, unpack(st.unexpire)); st.unexpire = {} end
  st.firstExpiry = math.huge
end

local function budgetOf(hash, expiry)
  local st = budgets[hash]
  if st == nil then
    local values = redis.call('HMGET', hash, 's', 'r')
    st = {
      hash = hash, expiry = expiry, s = tonumber(values[1]) or 0, r = tonumber(values[2]) or 0, ds = 0, dr = 0,
      held = {}, expiries = {}, unexpire = {}, firstExpiry = math.huge, releasedAt = nil, ttl = nil, settleTtl = nil,
    }
    budgets[hash] = st
    budgetOrder[#budgetOrder + 1] = st
  end
  return st
end

local function addSpent(st, amount)
  if math.abs(st.ds) + amount >= EXACT then flushBudget(st) end
  st.ds = st.ds + amount
  st.s = st.s + amount
end

local function addReserved(st, amount)
  if math.abs(st.dr) + math.abs(amount) >= EXACT then flushBudget(st) end
  st.dr = st.dr + amount
  st.r = st.r + amount
end

-- Releases what expired by `now`, once per window unless time moved on (or a reservation of
-- this very call is due: written first, so that releaseExpired finds it).
local function releaseAt(st, now)
  if st.releasedAt ~= nil and now <= st.releasedAt and st.firstExpiry > now then return end
  if st.firstExpiry <= now then flushBudget(st) end
  st.r = st.r - releaseExpired(st.hash, st.expiry, now)
  if st.releasedAt == nil or now > st.releasedAt then st.releasedAt = now end
end

local function reserve(st, id, estimate, amount, expiresAt, ttl)
  st.held[#st.held + 1] = id
  st.held[#st.held + 1] = estimate
  st.expiries[#st.expiries + 1] = expiresAt
  st.expiries[#st.expiries + 1] = id
  local at = tonumber(expiresAt)
  if at < st.firstExpiry then st.firstExpiry = at end
  addReserved(st, amount)
  st.ttl = ttl
end

-- Writes what the call changed. Key TTLs only collect garbage: an admission or a reservation
-- extends its keys' life; a settle gives a window written anew (its keys had expired) a TTL.
local function flushAll()
  for _, st in ipairs(rateOrder) do
    flushRate(st)
    if st.ttl then redis.call('PEXPIRE', st.key, st.ttl) end
  end
  for _, st in ipairs(budgetOrder) do
    flushBudget(st)
    if st.ttl then
      redis.call('PEXPIRE', st.hash, st.ttl)
      redis.call('PEXPIRE', st.expiry, st.ttl)
    elseif st.settleTtl and redis.call('PTTL', st.hash) < 0 then
      redis.call('PEXPIRE', st.hash, st.settleTtl)
    end
  end
end
