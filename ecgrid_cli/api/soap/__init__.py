"""ECGridOS v4.1 SOAP support (``wire`` builds envelopes and reads answers)."""
