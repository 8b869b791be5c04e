"""Trivial MCP server with one tool echo(text) -> text, over Streamable HTTP: the peer for Benchmarks/mcp/run.sh.

Usage: python pyserver.py --mode {stateless-json,stateful-sse,stateful-json,stateless-sse} --port N [--host H]
  The official Python SDK, mcp 2.x: mcp.server.mcpserver.MCPServer, one uvicorn process.
Modes: stateless = no Mcp-Session-Id, fresh transport per request; json = application/json
responses instead of text/event-stream. "stateful-sse" is the SDK default.
(Adapted from ../shared/peers/mcp/pyserver.py: the fastmcp variant is dropped; see SOURCE.)
"""

import argparse

p = argparse.ArgumentParser()
p.add_argument("--mode", choices=["stateless-json", "stateful-sse", "stateful-json", "stateless-sse"], required=True)
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
a = p.parse_args()

from mcp.server.mcpserver import MCPServer  # noqa: E402

srv = MCPServer("py-bench", log_level="WARNING")


@srv.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


srv.run(
    "streamable-http",
    host=a.host,
    port=a.port,
    stateless_http=a.mode.startswith("stateless"),
    json_response=a.mode.endswith("json"),
)
