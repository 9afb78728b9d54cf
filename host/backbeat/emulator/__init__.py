"""The virtual device: the unmodified firmware in MicroPython's WebAssembly port under
Node, with an emulated `machine` module and an SSD1306 model, on a pseudo-terminal
that behaves like a Pico's USB serial port (docs/virtual-device.md)."""
