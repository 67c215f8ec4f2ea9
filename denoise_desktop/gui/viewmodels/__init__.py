"""View models: plain state and words behind the panels (Qt table model, curve buffers, status lines); no widgets."""
