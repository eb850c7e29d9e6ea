"""pickwise: devices."""

import logging

# A library: the app decides where the "devices" logger writes.
logging.getLogger("devices").addHandler(logging.NullHandler())
