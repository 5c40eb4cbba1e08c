-- wrk script: POST /Users with a unique userName per request (Entra's create).
-- `prefix` is a global that setup() gives each thread (distinct per thread).
local counter = 0
local token = os.getenv("BENCH_TOKEN")
local path = os.getenv("BENCH_BASE_PATH") .. "/Users"

function setup(thread)
  -- BENCH_PREFIX tells apart wrk processes run side by side (their random sequences are alike).
  thread:set("prefix", (os.getenv("BENCH_PREFIX") or "") .. tostring(math.random(1, 1000000000)))
end

function init(args)
  assert(prefix, "setup() sets a prefix per thread")
end

function request()
  counter = counter + 1
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u' .. prefix .. '-' .. counter ..
    '@bench.test","externalId":"' .. prefix .. '-' .. counter .. '","active":true,"displayName":"Bench User ' .. counter ..
    '","emails":[{"type":"work","primary":true,"value":"u' .. prefix .. '-' .. counter .. '@bench.test"}]}'
  return wrk.format("POST", path, { ["Content-Type"] = "application/scim+json", ["Authorization"] = "Bearer " .. token }, body)
end

function response(status)
  if status ~= 201 then error("unexpected status " .. status) end
end
