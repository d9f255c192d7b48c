"""MCP tools, one module per tool, named after it. See `_registry` for how a tool declares itself."""
