"""Calls one MCP tool on Claw's server with the official Python MCP client (PyPI `mcp`), as Claude Code would.

Usage: python mcp_call.py URL TOKEN TOOL ARGUMENTS_JSON
Prints one JSON object: {"tools": [names listed], "is_error": bool, "text": the result's text}.
The call may wait for a 2FA approval; it gives up after 60 s.
"""

import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


async def main(url, token, tool, arguments):
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await asyncio.wait_for(session.initialize(), 10)
                tools = await asyncio.wait_for(session.list_tools(), 10)
                result = await asyncio.wait_for(session.call_tool(tool, arguments), 60)
                return {
                    "tools": sorted(t.name for t in tools.tools),
                    "is_error": bool(getattr(result, "is_error", getattr(result, "isError", False))),
                    "text": "".join(getattr(c, "text", "") for c in result.content),
                }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))))
