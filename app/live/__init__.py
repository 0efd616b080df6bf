"""Live updates: what changed, published after commit, streamed to the shop's browsers (SSE)."""
