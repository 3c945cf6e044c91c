"""The command-line door: each ``ehc`` sub-command that works on the data opens the core with
``api.composition.open_context`` and calls the areas' services (``api.cli`` parses)."""
