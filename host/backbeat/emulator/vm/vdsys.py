# `sys` as a Pico shows it: the port's own objects, with the Pico's platform
# (vdboot.setup() puts the Pico's implementation in and installs this as sys).
import sys as _sys

argv = _sys.argv
byteorder = _sys.byteorder
exit = _sys.exit
implementation = _sys.implementation
maxsize = _sys.maxsize
modules = _sys.modules
path = _sys.path
platform = "rp2"
print_exception = _sys.print_exception
stderr = _sys.stderr
stdin = _sys.stdin
stdout = _sys.stdout
version = _sys.version
version_info = _sys.version_info
ps1 = _sys.ps1
ps2 = _sys.ps2
