"""What every endpoint of the JSON API shares: money fields, strict request bodies, permissions, pagination,
idempotent writes.

Who may do what (the same rules as the pages; an object that is not yours answers 404 like one that does not exist):

| endpoints | anonymous | administrator | funder's contact | researcher | anyone else signed in |
| --- | --- | --- | --- | --- | --- |
| funders, pledges, receipts, conversions, attributions, pool (read) | 401 | all | their own funder's | 403 | 403 |
| rounds, research areas (read) | 401 | all | all | all | all |
| projects, awards, milestones, disbursements (read) | 401 | all | projects they lead | projects they lead | none |
| approvals, payment runs (read and write) | 401 | all | 403 | 403 | 403 |
| every write (POST) | 401 | yes | 403 | 403 | 403 |

The endpoints live with the app that may see what they show: `projects/api.py` (research areas, projects) and
`grants/api/` (everything about money, one module per group); `alignment_fund/api_urls.py` routes them.
"""
