"""Benchmarks of fluxcd-mcp against the Go kubernetes-mcp-server (issue 7); see README.md."""
