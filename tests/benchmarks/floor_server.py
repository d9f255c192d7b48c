"""The cheapest stdio server mcp 2.3 can build: no tools, nothing of ours imported.

Its cold start is the floor under ours: the part of the budget the SDK spends before our code runs.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

if __name__ == "__main__":
    MCPServer(name="floor").run("stdio")
