"""One module per CLI verb; each exposes a keyword-only function usable from Python."""
