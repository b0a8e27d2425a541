"""The demo fund: The Alignment Project, built through the same operations administrators use.

Public facts (see the product brief) are followed where they exist: the fund and its administrator, the backers,
OpenAI's USD 7,500,000 pledge of 19 Feb 2026 administered by Renaissance Philanthropy, Microsoft's undisclosed
amount, a total above £27M, Round 1's dates and its 60 projects in 8 countries, awards of £50k-£1M paid monthly in
arrears against milestones. Everything else (other backers' amounts, projects, people, institutions, payments) is
invented and marked illustrative. Random choices come from a fixed seed, so every run builds the same fund.
"""

from grants.demo.builder import DemoBuilder
from grants.demo.funders import DEMO_USERS

__all__ = ["DEMO_USERS", "DemoBuilder"]
