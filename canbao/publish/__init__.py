"""Publication of the ledger marts: printable township worklists, district and department extracts.

Plain functions taking the warehouse path and a reports directory; they open the warehouse read-only.
"""
