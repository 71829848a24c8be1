-- Shared prelude of settle-batch.lua and acquire.lua (after cache.lua): replace reservations by
-- their actual cost in every budget window each was made against. Settles wait a moment in the
-- store client and ride with the next acquire (or go together when none comes), so a request
-- costs one round trip, not two. A reservation already released by expiry is simply gone; the
-- actual cost is charged all the same, because it was really spent.
--
-- KEYS: every key of the call once (src/limits/redis-store.ts); a window is referred to by the
-- index of its hash, its expiry index follows it.
-- ARGV from 1: S, then per settle: P (windows), reservation id, reserved nano-dollars, actual
-- nano-dollars (decimal strings), P x (window hash index, key ttl ms).
-- Appends spent, reserved of each window to `out`, in order; returns the ARGV offset where what
-- follows the settles starts.
local function applySettles(out)
  local a = 1
  for _ = 1, tonumber(ARGV[1]) do
    local p = tonumber(ARGV[a + 1])
    local id = ARGV[a + 2]
    local reserved = tonumber(ARGV[a + 3])
    local actual = tonumber(ARGV[a + 4])
    for j = 1, p do
      local h = tonumber(ARGV[a + 3 + 2 * j])
      local st = budgetOf(KEYS[h], KEYS[h + 1])
      -- Gone when its expiry released it first: then nothing is reserved any more.
      if redis.call('HDEL', st.hash, id) == 1 then
        addReserved(st, -reserved)
        st.unexpire[#st.unexpire + 1] = id
      end
      addSpent(st, actual)
      st.settleTtl = ARGV[a + 4 + 2 * j]
      out[#out + 1] = st.s
      out[#out + 1] = st.r
    end
    a = a + 4 + 2 * p
  end
  return a
end
