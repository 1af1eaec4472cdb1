"""The web layer: app factory, blueprints, form building and security hooks (the only Flask importer)."""
