-- Replace a reservation by the actual cost in every budget window it was made against
-- (see src/limits/redis-store.ts). A reservation already released by expiry is simply gone;
-- the actual cost is charged all the same, because it was really spent.
--
-- KEYS: one (window hash, expiry zset) pair per budget window.
-- ARGV: reservation id, actual nano-dollars (decimal string), then one key ttl ms per pair.
-- Returns spent, reserved of each window, in order.
local id = ARGV[1]
local actual = ARGV[2]
local out = {}
for j = 1, #KEYS / 2 do
  local hash = KEYS[2 * j - 1]
  local expiry = KEYS[2 * j]
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
  if redis.call('PTTL', hash) < 0 then redis.call('PEXPIRE', hash, ARGV[2 + j]) end
  out[2 * j - 1] = spent
  out[2 * j] = reserved
end
return out
