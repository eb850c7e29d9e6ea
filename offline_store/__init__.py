"""The device's own durable state: master data, assigned work and the outbox.

Two SQLite files: ``master.db`` (products, barcodes, locations; refreshed into
a new file and swapped in whole) and ``journal.db`` (operators who signed in
here, the assigned wave, and the outbox). A confirmation and its local effect
are committed in one ``journal.db`` transaction before the screen moves on.
"""
