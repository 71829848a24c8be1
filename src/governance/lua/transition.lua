-- Moves one approval out of `pending`, atomically: exactly one of approve, deny, the waiter's
-- timeout and its withdrawal wins; a final state never changes again (single-use; a late
-- approve is a 409). Mirrors `transition` in approval-record.ts.
--
-- KEYS[1] record   KEYS[2] pending index   KEYS[3] decided index
-- ARGV[1] id   ARGV[2] target state   ARGV[3] decided_by ('' = nobody)   ARGV[4] comment ('' = none)
-- ARGV[5] now (ms)   ARGV[6] retention (ms)   ARGV[7] pub/sub channel
--
-- Returns {0} for an unknown id, else {result, record fields}: 1 changed, 2 already final
-- (unchanged), 3 a human decision after the expiry, recorded as `expired`.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  -- Gone (expired long after its holder died): drop the id the pending index still holds.
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {0}
end
if state ~= 'pending' then return {2, redis.call('HGETALL', KEYS[1])} end

local now = tonumber(ARGV[5])
local retention = tonumber(ARGV[6])
local to = ARGV[2]
local result = 1
local human = to == 'approved' or to == 'denied'
if human and now >= tonumber(redis.call('HGET', KEYS[1], 'expires_ms')) then
  to = 'expired'
  result = 3
  human = false
end

redis.call('HSET', KEYS[1], 'state', to, 'decided_ms', ARGV[5])
if human and ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'decided_by', ARGV[3]) end
if human and ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'comment', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], retention)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - retention))
redis.call('PUBLISH', ARGV[7], 'approval:' .. ARGV[1])
return {result, redis.call('HGETALL', KEYS[1])}
