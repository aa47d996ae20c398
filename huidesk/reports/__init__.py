"""What each report contains, as frozen typed values made from one ReportSpec (spec.py: scope, period,
as-of moment, settings): the summary, the monthly tally, the roster, the certificate, what is due, and the
KPIs they share. values.py says how a value is written as JSON. It may import the ledger's queries and
the domain; never render, exchange or commands."""
