-- wrk script: MCP tools/call over Streamable HTTP (raw JSON-RPC POSTs; wrk does no handshake itself).
-- Adapted from ../shared/peers/mcp/mcp.lua (see SOURCE): tool name and argument key come from the environment,
-- sessions rotate per request, and MCP_MAX is an exact per-thread call budget.
-- env: MCP_SIDS    comma-separated Mcp-Session-Id list (empty = stateless); every request takes the next one, so
--                  the sessions are spread over all connections and threads
--      MCP_TOKEN   optional bearer token
--      MCP_PROTO   the MCP-Protocol-Version header (default 2025-06-18)
--      MCP_TOOL    the tool (default echo); MCP_ARG its string argument's name (default text); MCP_TEXT the value (hello)
--      MCP_METHOD  tools/call (default) or ping (no tool, no audit: the floor of the JSON-RPC path)
--      MCP_MAX     per-thread budget of tools/call requests (count bound; wrk -d stays the time bound). Once a thread
--                  has sent its budget it sends pings (never audited) until every call of its budget has been answered,
--                  then stops: the count of tools/call answered is exact, none is left in flight.
--      MCP_DONE_DIR optional folder: a thread that has its whole budget answered writes done-<thread> there (wrk
--                  itself only ends after -d, or on SIGINT, which the caller sends once every thread is done)
-- A tools/call answer is good when: status 200, a JSON-RPC "result", the echoed text, and no "isError":true.
-- Output: one line "WRKJSON {...}" with counts and latency percentiles (ms) of all requests.
local sids = {}
for s in string.gmatch(os.getenv("MCP_SIDS") or "", "[^,]+") do sids[#sids + 1] = s end
local threads = {}
local tcount = 0

function setup(thread)
  tcount = tcount + 1
  thread:set("tid", tcount)
  -- wrk calls request() once on the first thread's state before it runs, to check the request (no send):
  -- that thread answers its first request() with a ping, so the call budget counts real sends only.
  thread:set("first_is_ping", tcount == 1)
  threads[#threads + 1] = thread
end

function init(args)
  sent, ndone, ok, bad, pings, pongs = 0, 0, 0, 0, 0, 0
  maxcalls = tonumber(os.getenv("MCP_MAX") or "") or 1000000000
  method = os.getenv("MCP_METHOD") or "tools/call"
  text = os.getenv("MCP_TEXT") or "hello"
  local tool, arg = os.getenv("MCP_TOOL") or "echo", os.getenv("MCP_ARG") or "text"
  call_params = ',"method":"tools/call","params":{"name":"' .. tool .. '","arguments":{"' .. arg .. '":"' .. text .. '"}}}'
  ping_params = ',"method":"ping"}'
  nsid = #sids
  rot = tid - 1
  hdrs = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = os.getenv("MCP_PROTO") or "2025-06-18",
  }
  local tok = os.getenv("MCP_TOKEN")
  if tok and #tok > 0 then hdrs["Authorization"] = "Bearer " .. tok end
end

function request()
  if nsid > 0 then
    hdrs["Mcp-Session-Id"] = sids[rot % nsid + 1]
    rot = rot + 1
  end
  local id = tid * 1000000000 + sent + pings + 1
  if method == "ping" or sent >= maxcalls or first_is_ping then
    first_is_ping = false
    pings = pings + 1
    return wrk.format("POST", nil, hdrs, '{"jsonrpc":"2.0","id":' .. id .. ping_params)
  end
  sent = sent + 1
  return wrk.format("POST", nil, hdrs, '{"jsonrpc":"2.0","id":' .. id .. call_params)
end

function response(status, headers, body)
  if string.find(body, '"content"', 1, true) then
    -- the answer to a tools/call
    ndone = ndone + 1
    if status == 200 and string.find(body, '"result"', 1, true) and string.find(body, text, 1, true)
       and not string.find(body, '"isError":true', 1, true) then
      ok = ok + 1
    else
      bad = bad + 1
    end
  elseif status == 200 and string.find(body, '"result":{}', 1, true) then
    pongs = pongs + 1
  else
    -- an error of either kind: counted against the calls, so the budget still ends
    ndone = ndone + 1
    bad = bad + 1
  end
  if method ~= "ping" and ndone >= maxcalls and not stopped then
    stopped = true
    -- wrk itself runs until -d ends; a marker file per finished thread lets the caller end it early (SIGINT)
    local dir = os.getenv("MCP_DONE_DIR")
    if dir and #dir > 0 then
      local f = io.open(dir .. "/done-" .. tid, "w")
      if f then f:close() end
    end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local s, o, b, p = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + (t:get("sent") or 0); o = o + (t:get("ok") or 0); b = b + (t:get("bad") or 0); p = p + (t:get("pongs") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"calls_sent":%d,"calls_ok":%d,"bad":%d,"pongs":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"status_err":%d,"sock_err":%d}\n',
    summary.requests, summary.duration, s, o, b, p,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.status, e.connect + e.read + e.write + e.timeout))
end
