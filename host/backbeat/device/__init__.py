"""Device access: finding devices, the serial link, syncing logs and flashing."""
