"""The admin's front page: what is overdue, due soon, failed, short or accrued, for the user's role.

`figures` computes what the page shows (each figure by the code that owns its rule),
`charts` lays out its charts as SVG, `views` serves the page and "All records", the
list of every kind of record that the stock admin index used to be.
"""
