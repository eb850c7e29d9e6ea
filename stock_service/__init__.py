"""The central stock service: stock, ledger, orders, waves, users and devices."""
