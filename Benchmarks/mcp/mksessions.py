"""mksessions.py URL N [TOKEN] [PROTOCOL]: open N MCP sessions (initialize + notifications/initialized);
print comma-separated Mcp-Session-Ids (an empty line for a stateless server).
Bounded: N <= 256 (Claw's session limit), 10 s timeouts. Standard library only.
(Adapted from ../shared/peers/mcp/mksessions.py: http.client instead of httpx2, an optional protocol version,
JSON or SSE answers checked; see SOURCE.)"""
import http.client
import json
import sys
import urllib.parse

url, n = sys.argv[1], int(sys.argv[2])
tok = sys.argv[3] if len(sys.argv) > 3 else ""
proto = sys.argv[4] if len(sys.argv) > 4 else "2025-06-18"
assert 1 <= n <= 256
u = urllib.parse.urlsplit(url)
h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
if tok:
    h["Authorization"] = "Bearer " + tok
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def post(body, extra):
    conn.request("POST", u.path, body=json.dumps(body), headers=dict(h, **extra))
    r = conn.getresponse()
    return r.status, r.getheader("mcp-session-id"), r.read().decode()


ids = []
for i in range(n):
    st, sid, body = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": proto, "capabilities": {}, "clientInfo": {"name": "mksessions", "version": "0"}}}, {})
    assert st == 200 and '"result"' in body, (st, body[:300])
    hh = {"MCP-Protocol-Version": proto}
    if sid:
        hh["Mcp-Session-Id"] = sid
    st2, _, body2 = post({"jsonrpc": "2.0", "method": "notifications/initialized"}, hh)
    assert st2 in (200, 202), (st2, body2[:300])
    if not sid:
        break  # stateless: no session to keep
    ids.append(sid)
conn.close()
print(",".join(ids))
