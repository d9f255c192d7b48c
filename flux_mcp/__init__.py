"""fluxcd-mcp: an MCP server to understand and operate Flux CD on Kubernetes."""

__version__ = "0.1.0"
