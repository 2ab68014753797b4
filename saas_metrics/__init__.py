"""SaaS metrics warehouse: load raw exports, build the dbt marts, report the numbers."""

__version__ = "0.1.0"
