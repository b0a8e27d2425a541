"""Importing spreadsheets of the fund's money: pledges and the receipts against them."""
