-- A client revalidating what it has: it sends the ETag of the last full response it got in
-- If-None-Match, as browsers and caches do. The status page's ETag changes whenever the page
-- does (its "last updated" time included), so a fixed header would turn into 200s.
-- Prints how many answers were 304s and how many 200s.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function format(tag)
  return wrk.format(nil, nil, { ["If-None-Match"] = tag })
end

function init(args)
  etag = args[1]
  req = format(etag)
  not_modified = 0
  full = 0
end

function request()
  return req
end

function response(status, headers, body)
  if status == 304 then
    not_modified = not_modified + 1
  elseif status == 200 then
    full = full + 1
    local tag = headers["ETag"] or headers["etag"] or headers["Etag"]
    if tag and tag ~= etag then
      etag = tag
      req = format(etag)
    end
  end
end

function done(summary, latency, requests)
  local a, b = 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("not_modified")
    b = b + thread:get("full")
  end
  io.write(string.format("revalidated: %d answered 304, %d answered 200\n", a, b))
end
