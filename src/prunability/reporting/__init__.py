"""What both studies report with: the HTML page, number formatting, quoted numbers, fresh-vs-committed tables."""
