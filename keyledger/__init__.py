"""keyledger: a plain-file, git-signed ledger for community key stewards."""

__version__ = "0.1.0"
