"""What each report contains, as data: the summary, the monthly tally, the certificate, the KPIs.
It may import the ledger's queries and the domain; never render, exchange or commands."""
