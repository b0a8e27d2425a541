"""What the rates tell the layers above them, without importing them."""

from django.dispatch import Signal

# Sent once new reference rates are committed (`stored`: how many rows were new). Valuations that carry the rates
# they used (the allocation summaries) listen for it.
rates_stored = Signal()
