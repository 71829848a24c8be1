-- Shared prelude of settle-batch.lua and acquire.lua (src/limits/redis-store.ts prepends it):
-- replace reservations by their actual cost in every budget window each was made against.
-- Settles wait a moment in the store client and ride with the next acquire (or go together
-- when none comes), so a request costs one round trip, not two. A reservation already released
-- by expiry is simply gone; the actual cost is charged all the same, because it was really spent.
--
-- ARGV from 1: S, then per settle: P (window pairs), reservation id, actual nano-dollars
-- (decimal string), P key ttls ms.  KEYS from 1: per settle, its P (window hash, expiry zset) pairs.
-- Appends spent, reserved of each window to `out`, in order; returns the KEYS and ARGV offsets
-- where what follows the settles starts.
local function applySettles(out)
  local k = 0
  local a = 1
  for _ = 1, tonumber(ARGV[1]) do
    local p = tonumber(ARGV[a + 1])
    local id = ARGV[a + 2]
    local actual = ARGV[a + 3]
    for j = 1, p do
      local hash = KEYS[k + 2 * j - 1]
      local expiry = KEYS[k + 2 * j]
      local amount = redis.call('HGET', hash, id)
      local reserved
      if amount then
        reserved = redis.call('HINCRBY', hash, 'r', '-' .. amount)
        redis.call('HDEL', hash, id)
        redis.call('ZREM', expiry, id)
      else
        reserved = tonumber(redis.call('HGET', hash, 'r')) or 0
      end
      local spent = redis.call('HINCRBY', hash, 's', actual)
      -- A window whose keys had already expired is written anew: give it back its TTL.
      if redis.call('PTTL', hash) < 0 then redis.call('PEXPIRE', hash, ARGV[a + 3 + j]) end
      out[#out + 1] = spent
      out[#out + 1] = reserved
    end
    k = k + 2 * p
    a = a + 3 + p
  end
  return k, a
end
