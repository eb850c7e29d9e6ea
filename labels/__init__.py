"""Labels for what leaves the building: SSCCs, GS1 logistic labels as ZPL,
preview images, and label printers reached over TCP port 9100 or as files.

Used by the packing bench and by ``pickwise label``; imports nothing from
Textual and nothing of pickwise but this package.
"""
