-- Settles alone, when no acquire came to carry them (runs after settle.lua).
local out = {}
applySettles(out)
flushAll()
return out
