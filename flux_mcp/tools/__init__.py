"""MCP tools, one module per tool, named after it.

`_catalogue` lists them; `_declaration` is how a tool declares itself; `_response` is how it
answers; `_boundary` turns failures into tool errors and audits every call.
"""
