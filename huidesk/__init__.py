"""huidesk (惠民服务台): a ledger for community volunteer service teams."""

__version__ = "0.1.0"
