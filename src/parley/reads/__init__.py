"""Unified reads: cursors and page assembly over provider pages (live) or the store."""
