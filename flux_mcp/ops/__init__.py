"""Cluster workflows without MCP: listing Flux objects, events, evidence fetching, the reconcile
waiter, the managed-object guard, apply planning. Built on `kube` (I/O) and `flux` (decisions)."""
