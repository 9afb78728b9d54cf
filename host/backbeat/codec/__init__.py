"""Binary formats shared with the device: compiled routines (.bbr)."""
