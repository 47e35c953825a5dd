"""shuffle-aws-vaults: migrate AWS Backup recovery points between accounts, exactly once."""

__version__ = "0.1.0"
