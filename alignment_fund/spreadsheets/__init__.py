"""Reading administrators' spreadsheets (CSV and XLSX) and importing them all or nothing."""
