# `gc` as a Pico shows it: the port's collector (vdboot.setup() puts in a mem_free
# that counts only the 192 KB heap, and installs this as gc).
from gc import collect, disable, enable, isenabled, mem_alloc, mem_free, threshold  # noqa: F401
