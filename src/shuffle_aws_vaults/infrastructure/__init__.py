"""Adapters: boto3, the state journal, the CSV index, progress and reports."""
