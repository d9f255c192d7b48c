"""Cluster workflows without MCP: they fetch through kube/ and decide with flux/."""
