"""View models: plain state behind the panels (Qt table models, curve buffers)."""
