-- Shared prelude of cache.lua and state.lua (src/limits/redis-store.ts prepends it): give back
-- the amounts of reservations whose expiry has passed, because the replica that made them never
-- settled them (it crashed, or lost the store mid-request). Returns the amount given back.
local function releaseExpired(hash, expiry, now)
  local expired = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  if #expired == 0 then return 0 end
  local released = 0
  for _, rid in ipairs(expired) do
    local amount = redis.call('HGET', hash, rid)
    if amount then
      redis.call('HINCRBY', hash, 'r', '-' .. amount)
      redis.call('HDEL', hash, rid)
      released = released + tonumber(amount)
    end
  end
  redis.call('ZREMRANGEBYSCORE', expiry, '-inf', now)
  return released
end
