"""The MCP face: Parley's read tools for AI agents, over stdio and Streamable HTTP."""
