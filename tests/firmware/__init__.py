# Makes the firmware tests the package "firmware" for pytest, so their module names
# (tests/firmware/test_link.py) do not clash with the host tests' (tests/test_link.py).
