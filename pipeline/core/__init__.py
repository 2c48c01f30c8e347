"""Pure-Python text processing: no Beam, no I/O. Every function here is testable in microseconds."""
