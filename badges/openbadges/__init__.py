"""Open Badges standards code: composing, signing, baking and verifying OB 2.0 and OB 3.0 documents.

Plain Python: imports nothing from Django and reads no settings. Keys, URLs and options are passed in.
"""
